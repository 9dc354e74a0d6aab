// Route schemas compiled on a route's first request, not at start (docs/performance.md, "Start-up (session 34)").
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';
import { nearest } from '../hub/edit-distance.js';

/** What Fastify hands a validator compiler for one part of one route. */
interface ValidatorRoute {
  schema: unknown;
  method: string;
  url: string;
  httpPart?: string;
}

/** An Ajv validate function as Fastify calls it (`validation.js`: data, then the parent for a root coercion). */
type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };

/** What an Ajv error holds that is read here. */
interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * A body's JSON has its types already: Fastify's default coercion (`coerceTypes: 'array'`, needed for query strings and
 * path parameters, which are text) turned `{"username": true}` into a user called "true", `["a"]` into "a" and `12345`
 * into "12345" (review, session 73). Bodies are validated as sent: a wrong type is a 400.
 *
 * Nor is a field the schema does not name dropped (Fastify's `removeAdditional`): `"pasword"` answered as a missing
 * password, an alert was resolved without the `"note "` sent with it, an acknowledgement on the console took a note
 * and kept nothing. Every body schema says `additionalProperties: false`; such a field is a 400 that names it.
 */
function bodyOptions(ajvOptions: unknown): unknown {
  const options = (ajvOptions ?? {}) as { customOptions?: Record<string, unknown> };
  return { ...options, customOptions: { ...options.customOptions, coerceTypes: false, removeAdditional: false } };
}

/**
 * A query string is text, so its types are coerced (`limit=10` is the number 10), but a parameter its schema does not
 * name is not dropped either (session 75): `GET /api/alerts?homeid=h1` listed every home's alerts, the filter mistyped
 * and said nowhere; `?stat=open` answered the last 200 of every state. Now a 400 that names the parameter and the one
 * meant.
 */
function queryOptions(ajvOptions: unknown): unknown {
  const options = (ajvOptions ?? {}) as { customOptions?: Record<string, unknown> };
  return { ...options, customOptions: { ...options.customOptions, removeAdditional: false } };
}

/** The fields the object schema of an error at `schemaPath` names (`#/properties/args/additionalProperties`). */
function namedFields(schema: unknown, schemaPath: string): string[] | undefined {
  let at: unknown = schema;
  for (const step of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[step.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  const properties = (at as { properties?: unknown } | undefined)?.properties;
  return properties !== null && typeof properties === 'object' ? Object.keys(properties) : undefined;
}

/** `unknown field "x" (did you mean "y"?)`, with the fields that are taken: Ajv says "must NOT have additional properties". */
function unknownFieldError(error: AjvError, field: string, known: string[] | undefined): AjvError {
  const written = field.slice(0, 64);
  const meant = known === undefined ? undefined : nearest(written, known);
  const message =
    `has unknown field ${JSON.stringify(written)}` +
    (meant === undefined ? '' : ` (did you mean ${JSON.stringify(meant)}?)`) +
    (known === undefined ? '' : known.length === 0 ? ': it takes none' : `: the fields are ${known.join(', ')}`) +
    '; nothing done';
  return { ...error, message };
}

/**
 * A refused body's (or query string's) errors, an unknown field first: Ajv checks `required` before `additionalProperties`, so
 * `{"username": "a", "pasword": "b"}` said only that `password` was missing. Fastify writes each as `body<path> <message>`.
 */
function partErrors(schema: unknown, data: unknown, errors: AjvError[]): AjvError[] {
  const first = errors[0];
  if (first === undefined) return errors;
  if (first.keyword === 'additionalProperties') {
    const field = String(first.params.additionalProperty);
    return [unknownFieldError(first, field, namedFields(schema, first.schemaPath)), ...errors.slice(1)];
  }
  const root = schema as { additionalProperties?: unknown } | null;
  if (root?.additionalProperties !== false || data === null || typeof data !== 'object' || Array.isArray(data))
    return errors;
  const known = namedFields(schema, '#/additionalProperties') ?? [];
  const field = Object.keys(data).find((name) => !known.includes(name));
  if (field === undefined) return errors;
  const error = {
    instancePath: '',
    schemaPath: '#/additionalProperties',
    keyword: 'additionalProperties',
    params: { additionalProperty: field },
  };
  return [unknownFieldError(error, field, known)];
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
        // Their own Ajvs, made at the first body or query string compiled (an idle hub's start makes none).
        let compileBody: ((route: ValidatorRoute) => Validate) | undefined;
        let compileQuery: ((route: ValidatorRoute) => Validate) | undefined;
        return (route: ValidatorRoute): Validate => {
          if (route.httpPart === 'headers') {
            throw new Error(`${route.method} ${route.url}: header schemas need Fastify's default compiler`);
          }
          const body = route.httpPart === 'body';
          const query = route.httpPart === 'querystring';
          let compiled: Validate | undefined;
          const validate: Validate = (data, context) => {
            if (compiled === undefined) {
              compiled = body
                ? (compileBody ??= factory(externalSchemas, bodyOptions(ajvOptions)))(route)
                : query
                  ? (compileQuery ??= factory(externalSchemas, queryOptions(ajvOptions)))(route)
                  : compile(route);
              lazySchemaCounts.validators++;
            }
            const result = compiled.schemaEnv === undefined ? compiled(data) : compiled(data, context);
            validate.errors =
              (body || query) && Array.isArray(compiled.errors)
                ? partErrors(route.schema, data, compiled.errors as AjvError[])
                : compiled.errors;
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
