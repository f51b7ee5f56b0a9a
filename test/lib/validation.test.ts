import { Duration, Size } from 'cdk8s';
import { Cpu, EnvValue } from 'cdk8s-plus-27';
import { Gpu, InferenceService, InferenceServiceProps, ModelFormat, ModelRuntime, ProtocolVersion, StorageUri, ValidationError } from '../../lib';
import { errorOf, newChart } from './_util';

const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };

function build(props: Partial<InferenceServiceProps>, id = 'iris'): () => InferenceService {
  return () => new InferenceService(newChart(), id, { predictor: { model }, ...props } as InferenceServiceProps);
}

describe('every synth-time validation rule names the construct, the prop, the value and the fix', () => {
  test.each<[string, () => unknown, string]>([
    ['name must be a DNS-1035 label', build({}, 'Iris_Model'),
      `InferenceService 'Iris_Model': name ('Iris_Model') is not a DNS-1035 label; use lowercase letters, digits and "-", starting with a letter and ending with a letter or digit`],
    ['name must start with a letter', build({ name: '1iris' }),
      `InferenceService '1iris': name ('1iris') is not a DNS-1035 label; use lowercase letters, digits and "-", starting with a letter and ending with a letter or digit`],
    ['name must leave room for revision names', build({ name: 'a'.repeat(46) }),
      `InferenceService '${'a'.repeat(46)}': name ('${'a'.repeat(46)}') is 46 characters, longer than 45; shorten it: Knative revision names such as '<name>-transformer-00001' must fit in 63 characters`],
    ['namespace must be a DNS-1123 label', build({ namespace: 'Team.A' }),
      `InferenceService 'iris': namespace ('Team.A') is not a valid namespace name; use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`],
    ['exactly one model source: none', build({ predictor: {} }),
      `InferenceService 'iris': predictor must set exactly one of model, multiModel or container (got none); use model for a stored model served by a runtime, multiModel for TrainedModels loaded at run time, or container for your own model server`],
    ['exactly one model source: two', build({ predictor: { model, container: { image: 'x/y:1' } } }),
      `InferenceService 'iris': predictor must set exactly one of model, multiModel or container (got model and container); use model for a stored model served by a runtime, multiModel for TrainedModels loaded at run time, or container for your own model server`],
    ['minReplicas must be a non-negative integer', build({ predictor: { model, minReplicas: -1 } }),
      `InferenceService 'iris': predictor.minReplicas (-1) is not a non-negative integer; use a whole number of 0 or more`],
    ['maxReplicas must be a whole number', build({ predictor: { model, maxReplicas: 2.5 } }),
      `InferenceService 'iris': predictor.maxReplicas (2.5) is not a non-negative integer; use a whole number of 0 or more`],
    ['maxReplicas 0 allows nothing', build({ predictor: { model, maxReplicas: 0 } }),
      `InferenceService 'iris': predictor.maxReplicas (0) would allow no replicas at all; leave maxReplicas unset for no upper bound, or set it to 1 or more`],
    ['replica bounds', build({ predictor: { model, minReplicas: 3, maxReplicas: 1 } }),
      `InferenceService 'iris': predictor.minReplicas (3) is greater than maxReplicas (1); lower minReplicas or raise maxReplicas`],
    ['replica bounds on the transformer', build({ transformer: { container: { image: 'x/t:1' }, minReplicas: 2, maxReplicas: 1 } }),
      `InferenceService 'iris': transformer.minReplicas (2) is greater than maxReplicas (1); lower minReplicas or raise maxReplicas`],
    ['containerConcurrency within Knative limit', build({ predictor: { model, containerConcurrency: 5000 } }),
      `InferenceService 'iris': predictor.containerConcurrency (5000) is above Knative's container-concurrency-max-limit (1000); use 0 for no limit, or a value up to 1000`],
    ['timeout in whole seconds', build({ predictor: { model, timeout: Duration.millis(1500) } }),
      `InferenceService 'iris': predictor.timeout ('1.5s') is not a whole number of seconds of at least 1; use e.g. Duration.seconds(60)`],
    ['timeout within Knative limit', build({ explainer: { container: { image: 'x/e:1' }, timeout: Duration.minutes(20) } }),
      `InferenceService 'iris': explainer.timeout ('1200s') is above Knative's max-revision-timeout-seconds (600); use at most Duration.minutes(10), or raise the limit in config-defaults and keep the timeout below it`],
    ['format without a runtime', build({ predictor: { model: { ...model, format: ModelFormat.of('mlflow') } } }),
      `InferenceService 'iris': predictor.model.format ('mlflow') has no default runtime; set predictor.model.runtime to a ModelRuntime that serves it`],
    ['runtime that cannot serve the format', build({ predictor: { model: { ...model, format: ModelFormat.SKLEARN, runtime: ModelRuntime.KFS_RUNTIME } } }),
      `InferenceService 'iris': predictor.model.format ('sklearn') is not served by runtime 'kfs-runtime' (it serves onnx); pick a runtime that lists the format, or leave model.runtime unset for the default`],
    ['protocol the runtime does not speak', build({ predictor: { model: { ...model, protocolVersion: ProtocolVersion.GRPC_V1 } } }),
      `InferenceService 'iris': predictor.model.protocolVersion ('grpc-v1') is not spoken by runtime 'kfs-runtime'; use one of v2`],
    ['GPU with a format that cannot use it', build({ predictor: { model: { ...model, format: ModelFormat.SKLEARN }, gpu: Gpu.nvidia(1) } }),
      `InferenceService 'iris': predictor.gpu ('nvidia.com/gpu: 1') cannot be used by runtime 'kserve-sklearnserver' (format sklearn); remove gpu, or serve the model with a GPU-capable runtime`],
    ['model name usable in URLs', build({ predictor: { model: { ...model, name: 'iris/v1' } } }),
      `InferenceService 'iris': predictor.model.name ('iris/v1') is not usable in inference URLs; use letters, digits, "_", "." and "-", starting with a letter or digit`],
    ['port conflicts with queue-proxy', build({ predictor: { container: { image: 'x/y:1', port: 8012 } } }),
      `InferenceService 'iris': predictor.container.port (8012) conflicts with a port Knative's queue-proxy uses in every pod; choose another port (reserved: 8008, 8012, 8013, 8022, 9090, 9091), e.g. 8080`],
    ['port out of range', build({ transformer: { container: { image: 'x/t:1', port: 70000 } } }),
      `InferenceService 'iris': transformer.container.port (70000) is not a TCP port; use a whole number from 1 to 65535`],
    ['reserved environment variable', build({ predictor: { model, env: { PORT: EnvValue.fromValue('9000') } } }),
      `InferenceService 'iris': predictor.env ('PORT') is set by Knative itself and rejected on user containers; rename the variable (reserved: PORT, K_SERVICE, K_CONFIGURATION, K_REVISION)`],
    ['environment variable the library sets', build({ transformer: { container: { image: 'x/t:1' }, env: { PREDICTOR_HOST: EnvValue.fromValue('elsewhere') } } }),
      `InferenceService 'iris': transformer.env ('PREDICTOR_HOST') is set by cdk8s-kfserving; remove it; the library wires this variable itself`],
    ['environment variable name', build({ predictor: { model, env: { '1BAD': EnvValue.fromValue('x') } } }),
      `InferenceService 'iris': predictor.env ('1BAD') is not a valid environment variable name; use letters, digits, "_", "-" and ".", not starting with a digit`],
    ['scale annotations belong to minReplicas/maxReplicas', build({ predictor: { model, annotations: { 'autoscaling.knative.dev/min-scale': '2' } } }),
      `InferenceService 'iris': predictor.annotations ('autoscaling.knative.dev/min-scale') is set from minReplicas/maxReplicas; remove the annotation and use minReplicas/maxReplicas instead`],
    ['resource request above limit', build({ predictor: { model, resources: { cpu: { request: Cpu.units(2), limit: Cpu.units(1) } } } }),
      `InferenceService 'iris': predictor.resources.cpu.request ('2') is greater than the limit (1); lower the request or raise the limit`],
    ['memory request above limit', build({ predictor: { model, resources: { memory: { request: Size.gibibytes(4), limit: Size.gibibytes(2) } } } }),
      `InferenceService 'iris': predictor.resources.memory.request ('4Gi') is greater than the limit (2Gi); lower the request or raise the limit`],
    ['image reference', build({ transformer: { container: { image: 'my image' } } }),
      `InferenceService 'iris': transformer.container.image ('my image') is not an image reference; write it as [registry/]repository[:tag][@sha256:digest], e.g. 'registry.example.com/iris-transformer:1.0'`],
    ['service account name', build({ predictor: { model, serviceAccountName: 'Model_SA' } }),
      `InferenceService 'iris': predictor.serviceAccountName ('Model_SA') is not a valid ServiceAccount name; use lowercase letters, digits, "-" and "."`],
    ['ingress domain', build({ ingress: { domain: 'https://example.com' } }),
      `InferenceService 'iris': ingress.domain ('https://example.com') is not a DNS domain; use the cluster's Knative domain, e.g. 'models.example.com'`],
    ['gateway reference', build({ ingress: { ingressGateway: 'public-gateway' } }),
      `InferenceService 'iris': ingress.ingressGateway ('public-gateway') is not a gateway reference; write it as '<namespace>/<gateway-name>', e.g. 'istio-system/public-gateway'`],
  ])('%s', (_rule, construct, message) => {
    let error: unknown;
    try {
      construct();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(message);
  });

  test('a valid InferenceService raises nothing', () => {
    expect(errorOf(() => { build({})(); throw new Error('none'); })).toBe('none');
  });
});
