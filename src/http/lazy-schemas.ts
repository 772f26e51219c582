import type { FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';

/*
 * Fastify compiles every route's request validators (Ajv) and response serializers
 * (fast-json-stringify) while the app starts: about a fifth of the CPU of a second `npm start`
 * (bench/README.md, "Second start"), for routes most of which a given run never calls. The server
 * compiles each one on its first call instead, with the compilers Fastify would use, taken from
 * Fastify's own folder so that they are the versions it depends on. Tests build the app with the
 * default, eager compile, so a schema that does not compile still fails the build of every app.
 */

const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));

type Compile<F> = (route: unknown) => F;
type Factory<F> = (externalSchemas: unknown, options: unknown) => Compile<F>;
type Validate = ((data: unknown) => unknown) & { errors?: unknown };

const defaultValidators = fastifyRequire('@fastify/ajv-compiler')() as Factory<Validate>;
const defaultSerializers = fastifyRequire('@fastify/fast-json-stringify-compiler')() as Factory<(data: unknown) => string>;

/** A validator compiled on its first call; Fastify reads a failed validation's `errors` from the function itself. */
function lazyValidator(compile: () => Validate): Validate {
  let compiled: Validate | undefined;
  const validate: Validate = (data) => {
    compiled ??= compile();
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  };
  return validate;
}

function lazySerializer(compile: () => (data: unknown) => string): (data: unknown) => string {
  let compiled: ((data: unknown) => string) | undefined;
  return (data) => (compiled ??= compile())(data);
}

/**
 * Fastify's `schemaController` option: the default compilers, each schema compiled when first used.
 * (Cast: Fastify types a validator as Ajv's own function type; Fastify calls only its call signature and `errors`.)
 */
export const lazySchemaCompilers = {
  compilersFactory: {
    buildValidator: (externalSchemas: unknown, options: unknown) => {
      const compile = defaultValidators(externalSchemas, options);
      return (route: unknown) => lazyValidator(() => compile(route));
    },
    buildSerializer: (externalSchemas: unknown, options: unknown) => {
      const compile = defaultSerializers(externalSchemas, options);
      return (route: unknown) => lazySerializer(() => compile(route));
    },
  },
} as unknown as NonNullable<FastifyServerOptions['schemaController']>;
