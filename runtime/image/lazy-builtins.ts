import type { Plugin } from 'esbuild';

/** A dependency module that requires Node built-ins at its top but only uses them inside functions. */
export interface LazyBuiltinRule {
  /** The requiring module, as a path suffix below node_modules (`fastify/lib/server.js`). */
  readonly importer: string;
  /** The built-ins it requires, exactly as it spells them (`node:https`). */
  readonly builtins: readonly string[];
  /** What it uses them for, and why this server never gets there. */
  readonly why: string;
}

/**
 * Built-ins the server's dependencies load at their first require for features the model server
 * never turns on. node:https and node:http2 each load node:tls, and with it OpenSSL's TLS state:
 * measured on the image, several MB of memory and milliseconds of every start for nothing.
 * Each rule is checked against the module's source at build time ({@link lazyBuiltins} fails the
 * build when a listed require is gone), so a dependency update that moves things shows up there.
 */
export const LAZY_BUILTIN_RULES: readonly LazyBuiltinRule[] = [
  {
    importer: 'fastify/lib/server.js',
    builtins: ['node:https', 'node:http2', 'node:dns'],
    why: 'HTTPS and HTTP/2 servers (the `https`/`http2` options, which buildServer never sets) and binding every address of `localhost` when told to listen there (an IP address, the default 0.0.0.0 included, needs no lookup)',
  },
  {
    importer: 'prom-client/lib/pushgateway.js',
    builtins: ['https'],
    why: 'pushing metrics to a Pushgateway over HTTPS; the server is scraped instead',
  },
];

/**
 * An esbuild plugin that replaces the `require`s of {@link LAZY_BUILTIN_RULES} with a stand-in that
 * requires the built-in at the first use of any of its members, so a server that never uses them
 * never loads them. Only those importers are touched; every other module gets the built-in itself.
 */
export function lazyBuiltins(rules: readonly LazyBuiltinRule[] = LAZY_BUILTIN_RULES): Plugin {
  const names = [...new Set(rules.flatMap((rule) => rule.builtins))];
  const filter = new RegExp(`^(${names.map(escapeRegExp).join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(plugin) {
      const seen = new Set<string>();
      plugin.onResolve({ filter }, (args) => {
        const rule = ruleFor(rules, args.importer);
        if (rule === undefined || !rule.builtins.includes(args.path)) return undefined;
        if (args.kind !== 'require-call') throw new Error(`lazy-builtins: ${args.importer} loads ${args.path} by ${args.kind}; only a plain require() can be deferred`);
        seen.add(`${rule.importer} ${args.path}`);
        return { path: args.path, namespace: NAMESPACE };
      });
      plugin.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ contents: lazyModuleSource(args.path), loader: 'js' }));
      plugin.onEnd((result) => {
        if (result.errors.length > 0) return;
        const bundled = Object.keys(result.metafile?.inputs ?? {});
        for (const rule of rules) {
          if (!bundled.some((input) => input.endsWith(`node_modules/${rule.importer}`))) continue;
          const missing = rule.builtins.filter((builtin) => !seen.has(`${rule.importer} ${builtin}`));
          if (missing.length > 0) throw new Error(`lazy-builtins: ${rule.importer} no longer requires ${missing.join(', ')}; update LAZY_BUILTIN_RULES (runtime/image/lazy-builtins.ts)`);
        }
      });
    },
  };
}

const NAMESPACE = 'lazy-builtin';

function ruleFor(rules: readonly LazyBuiltinRule[], importer: string): LazyBuiltinRule | undefined {
  const normalized = importer.split('\\').join('/');
  return rules.find((rule) => normalized.endsWith(`node_modules/${rule.importer}`));
}

/**
 * The stand-in: a Proxy whose every reflective operation (property reads, `in`, key listing)
 * requires the real module first and answers from it, so callers see the built-in's own values.
 * Descriptors are reported configurable, as a Proxy over an empty object must.
 */
export function lazyModuleSource(builtin: string): string {
  return [
    'let loaded;',
    `const load = () => (loaded ??= require(${JSON.stringify(builtin)}));`,
    'module.exports = new Proxy({}, {',
    '  get: (_, key) => load()[key],',
    '  has: (_, key) => key in load(),',
    '  ownKeys: () => Reflect.ownKeys(load()),',
    '  getOwnPropertyDescriptor: (_, key) => {',
    '    const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);',
    '    return descriptor === undefined ? undefined : { ...descriptor, configurable: true };',
    '  },',
    '});',
    '',
  ].join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
