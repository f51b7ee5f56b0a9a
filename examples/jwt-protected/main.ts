import { App, Chart } from 'cdk8s';
import { AccessRule, ApiPath, HttpMethod, InferenceService, MeshMode, ModelFormat, StorageUri } from '../../lib';

// A JWT-protected InferenceService in the Istio mesh: every request needs a token from the company's
// identity provider; members of 'ml-serving' may predict, only 'ml-admins' may use the model-repository
// API; health checks are public. Knative's activator, autoscaler and net-istio probes keep working
// (see docs/security.md). HTTPS terminates at the ingress gateway with the 'iris-tls' certificate,
// which lives in istio-system (the gateway workload's namespace).
const app = new App();
const chart = new Chart(app, 'jwt-protected', { namespace: 'models' });

new InferenceService(chart, 'iris', {
  predictor: {
    model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') },
    minReplicas: 1,
  },
  ingress: {
    domain: 'models.example.com',
    tls: { credentialName: 'iris-tls' },
  },
  security: {
    mesh: MeshMode.ISTIO_SIDECAR,
    jwt: {
      issuers: [{
        issuer: 'https://auth.example.com',
        jwksUri: 'https://auth.example.com/.well-known/jwks.json',
        audiences: ['iris'],
      }],
    },
    publicPaths: [ApiPath.HEALTH],
    authorization: {
      denyByDefault: true,
      allow: [
        AccessRule.fromJwtClaims({ groups: ['ml-serving'] }, { paths: [ApiPath.PREDICT], methods: [HttpMethod.POST] }),
        AccessRule.fromJwtClaims({ groups: ['ml-admins'] }, { paths: [ApiPath.REPOSITORY] }),
        AccessRule.fromAnyone({ paths: [ApiPath.HEALTH], methods: [HttpMethod.GET] }),
      ],
    },
  },
});

app.synth();
