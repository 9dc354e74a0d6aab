// Route schemas compiled on a route's first request, not at start (docs/performance.md, "Start-up (session 34)").
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

/** What Fastify hands a validator compiler for one part of one route. */
interface ValidatorRoute {
  schema: unknown;
  method: string;
  url: string;
  httpPart?: string;
}

/** An Ajv validate function as Fastify calls it (`validation.js`: data, then the parent for a root coercion). */
type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };

/**
 * A body's JSON has its types already: Fastify's default coercion (`coerceTypes: 'array'`, needed for query strings and
 * path parameters, which are text) turned `{"username": true}` into a user called "true", `["a"]` into "a" and `12345`
 * into "12345" (review, session 73). Bodies are validated as sent: a wrong type is a 400.
 */
function withoutCoercion(ajvOptions: unknown): unknown {
  const options = (ajvOptions ?? {}) as { customOptions?: Record<string, unknown> };
  return { ...options, customOptions: { ...options.customOptions, coerceTypes: false } };
}

/** How many route schemas were compiled (validators and serializers): the test's proof they wait for first use. */
export const lazySchemaCounts = { validators: 0, serializers: 0 };

/**
 * Fastify's own compilers (the same Ajv and fast-json-stringify, with the same options), each route's function
 * compiled when the route is first asked for instead of when the server starts: about 0.35 s of a hub's ~1.9 s start
 * went on compiling ~50 route schemas, most of which an idle hub never serves. The validation and the JSON written
 * are the same; the compile cost moves to the first request of each route (milliseconds).
 *
 * Fastify lower-cases a header schema's property names only for its default compiler; a custom factory (this one)
 * gets them as written. No route validates headers: a route that does is refused at start here, so the difference
 * can never pass unseen.
 */
export function lazySchemaController(): NonNullable<FastifyServerOptions['schemaController']> {
  const validatorFactory = AjvCompiler();
  const serializerFactory = SerializerSelector();
  return {
    compilersFactory: {
      buildValidator(externalSchemas: unknown, ajvOptions: unknown) {
        const factory = validatorFactory as (e: unknown, o: unknown) => (route: ValidatorRoute) => Validate;
        const compile = factory(externalSchemas, ajvOptions);
        // Its own Ajv, made at the first body compiled (an idle hub's start makes none).
        let compileBody: ((route: ValidatorRoute) => Validate) | undefined;
        return (route: ValidatorRoute): Validate => {
          if (route.httpPart === 'headers') {
            throw new Error(`${route.method} ${route.url}: header schemas need Fastify's default compiler`);
          }
          let compiled: Validate | undefined;
          const validate: Validate = (data, context) => {
            if (compiled === undefined) {
              compiled =
                route.httpPart === 'body'
                  ? (compileBody ??= factory(externalSchemas, withoutCoercion(ajvOptions)))(route)
                  : compile(route);
              lazySchemaCounts.validators++;
            }
            const result = compiled.schemaEnv === undefined ? compiled(data) : compiled(data, context);
            validate.errors = compiled.errors;
            return result;
          };
          // Fastify passes the parent object (so Ajv can coerce a root value) only to a function that has this.
          validate.schemaEnv = true;
          return validate;
        };
      },
      buildSerializer(externalSchemas: unknown, serializerOptions: unknown) {
        const compile = (serializerFactory as (e: unknown, o: unknown) => (route: unknown) => (doc: unknown) => string)(
          externalSchemas,
          serializerOptions,
        );
        return (route: unknown) => {
          let compiled: ((doc: unknown) => string) | undefined;
          return (doc: unknown): string => {
            if (compiled === undefined) {
              compiled = compile(route);
              lazySchemaCounts.serializers++;
            }
            return compiled(doc);
          };
        };
      },
    },
  } as NonNullable<FastifyServerOptions['schemaController']>;
}
