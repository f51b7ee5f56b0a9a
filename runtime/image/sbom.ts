import { createHash } from 'node:crypto';
import type { DebianPackage } from './debian-packages';
import type { ImageProvenance } from './image-spec';
import { IMAGE_DESCRIPTION, IMAGE_TITLE, SOURCE_URL, isoSeconds } from './image-spec';
import { debianPackageLicense, isPermissive } from './licence-policy';
import type { NodeBinary } from './node-binary';
import type { NpmPackage } from './npm-packages';

/** What went into the image, for the SBOM. */
export interface SbomInputs {
  readonly provenance: ImageProvenance;
  readonly node: NodeBinary;
  readonly npmPackages: readonly NpmPackage[];
  readonly debianPackages: readonly DebianPackage[];
  /** e.g. `debian-12`, from the build host's /etc/os-release (the packages' distribution). */
  readonly debianDistro: string;
  /** Tools that built it, with versions. */
  readonly tools: readonly { readonly name: string; readonly version: string }[];
}

type Licence = { license: { id: string } } | { expression: string };

interface Component {
  'bom-ref': string;
  type: 'application' | 'library' | 'operating-system' | 'platform' | 'container' | 'data';
  group?: string;
  name: string;
  version: string;
  description?: string;
  licenses: Licence[];
  purl?: string;
  hashes?: { alg: 'SHA-256'; content: string }[];
  externalReferences?: { type: string; url: string }[];
  properties?: { name: string; value: string }[];
}

/**
 * A CycloneDX 1.5 SBOM (https://cyclonedx.org/docs/1.5/json/) of the image: Node.js, every npm
 * package bundled into the server (onnxruntime-node included, whose native library ships beside the
 * bundle) and every Debian package files were taken from, each with its licence and package URL.
 * Checks the licence policy on the way: an npm package or Node.js under a non-permissive licence,
 * or an unreviewed Debian package, fails the build.
 *
 * Deterministic: the timestamp is the commit time and the serial number is derived from the content.
 */
export function buildSbom(inputs: SbomInputs): string {
  const { provenance } = inputs;
  const npmComponents = inputs.npmPackages.map((npmPackage): Component => {
    if (!isPermissive(npmPackage.license)) {
      throw new Error(`npm package ${npmPackage.name}@${npmPackage.version} is licensed ${npmPackage.license}, which is not on the permissive list (runtime/image/licence-policy.ts); the image cannot ship it`);
    }
    const scoped = /^(@[^/]+)\/(.+)$/.exec(npmPackage.name);
    return {
      'bom-ref': npmPurl(npmPackage.name, npmPackage.version),
      type: 'library',
      ...(scoped ? { group: scoped[1], name: scoped[2] } : { name: npmPackage.name }),
      version: npmPackage.version,
      licenses: licences(npmPackage.license),
      purl: npmPurl(npmPackage.name, npmPackage.version),
    };
  });
  if (!isPermissive(inputs.node.license)) throw new Error(`Node.js is licensed ${inputs.node.license}, which is not on the permissive list`);
  const nodeComponent: Component = {
    'bom-ref': npmPurl(inputs.node.packageName, inputs.node.version),
    type: 'platform',
    name: inputs.node.packageName,
    version: inputs.node.version,
    description: 'Node.js runtime (the binary of the npm package, stripped of symbol tables)',
    licenses: licences(inputs.node.license),
    purl: npmPurl(inputs.node.packageName, inputs.node.version),
  };
  const debianComponents = inputs.debianPackages.map((debianPackage): Component => {
    const purl = `pkg:deb/debian/${encodeURIComponent(debianPackage.name)}@${encodeURIComponent(debianPackage.version)}?arch=${debianPackage.architecture}&distro=${inputs.debianDistro}`;
    return {
      'bom-ref': purl,
      type: 'library',
      name: debianPackage.name,
      version: debianPackage.version,
      licenses: licences(debianPackageLicense(debianPackage.name)),
      purl,
      hashes: [{ alg: 'SHA-256', content: debianPackage.sha256 }],
    };
  });

  const imageRef = `pkg:oci/${IMAGE_TITLE}?repository_url=${encodeURIComponent(`ghcr.io/cdk8s-kfserving/${IMAGE_TITLE}`)}&tag=${provenance.version}`;
  const withoutSerial = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: {
      timestamp: isoSeconds(provenance.sourceDateEpoch),
      tools: { components: inputs.tools.map((tool) => ({ type: 'application', name: tool.name, version: tool.version })) },
      component: {
        'bom-ref': imageRef,
        type: 'container',
        name: IMAGE_TITLE,
        version: provenance.version,
        description: IMAGE_DESCRIPTION,
        licenses: licences(provenance.license),
        purl: imageRef,
        externalReferences: [{ type: 'vcs', url: SOURCE_URL }],
        properties: [{ name: 'org.opencontainers.image.revision', value: provenance.revision }],
      } satisfies Component,
    },
    components: [nodeComponent, ...npmComponents, ...debianComponents],
  };
  const serialNumber = `urn:uuid:${uuidFromHash(JSON.stringify(withoutSerial))}`;
  const { bomFormat, specVersion, ...rest } = withoutSerial;
  return `${JSON.stringify({ bomFormat, specVersion, serialNumber, ...rest }, null, 2)}\n`;
}

function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.startsWith('@') ? `%40${name.slice(1)}` : name}@${encodeURIComponent(version)}`;
}

/** One SPDX identifier as `license.id`, anything else (AND/OR/WITH) as an expression. */
function licences(spdx: string): Licence[] {
  return /^[A-Za-z0-9.+-]+$/.test(spdx) ? [{ license: { id: spdx } }] : [{ expression: spdx }];
}

/** A UUID (version 5 layout, SHA-256 based) derived from `content`, so the same SBOM gets the same serial. */
function uuidFromHash(content: string): string {
  const bytes = createHash('sha256').update(content).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
