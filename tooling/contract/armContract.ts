/**
 * Checks azure-native resource inputs against the ARM contract of their API version, as Azure's JavaScript SDK
 * mappers describe it (see sdk.ts and shapes.ts): every property must exist in the model (by its wire name), have
 * the model's type, keep the model's constraints (Pattern, MaxLength, MinLength, InclusiveMaximum/Minimum,
 * ExclusiveMaximum/Minimum, MultipleOf, MaxItems, MinItems, UniqueItems) and allowed values (Enum), not be
 * read-only, and every required property must be there. Path parameters are checked against the operation's
 * parameter mappers. Pure: every violation is returned, nothing is thrown for a bad input.
 */
import { Mapper, MapperType, OperationParameter, putOperation, PutOperation, sdkModels, SdkModels } from "./sdk";
import { PROVIDER_FILLED, RESOURCE_CONTRACTS, ResourceContract, toArmShape, UNKNOWN } from "./shapes";

export interface Violation {
    /** `type::name` of the resource. */
    resource: string;
    /** Dot path into the resource's azure-native inputs (list indices as numbers), e.g. `agentPoolProfiles.0.name`. */
    path: string;
    message: string;
}

export interface ResourceLike {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

/** A contract with its SDK models loaded and its body and path parameter mappers resolved. */
export interface LoadedContract extends ResourceContract {
    models: SdkModels;
    body: Mapper;
    parameters: Record<string, OperationParameter>;
}

const contracts = new Map<string, LoadedContract>();

/** The loaded contract of an azure-native type, or undefined if the table has no entry for it. */
export function contractOf(type: string): LoadedContract | undefined {
    const cached = contracts.get(type);
    if (cached) return cached;
    const entry = RESOURCE_CONTRACTS[type];
    if (!entry) return undefined;
    const models = sdkModels(entry.package);
    const body = models.mappers[entry.model];
    if (!body)
        throw new Error(`${entry.package}@${models.version} has no model ${entry.model} (table entry of ${type})`);
    const parameters: Record<string, OperationParameter> = {};
    for (const [input, exportName] of Object.entries(entry.pathParameters)) {
        const parameter = models.parameters[exportName];
        if (!parameter)
            throw new Error(
                `${entry.package}@${models.version} has no parameter ${exportName} (table entry of ${type})`,
            );
        parameters[input] = parameter;
    }
    const loaded = { ...entry, models, body, parameters };
    contracts.set(type, loaded);
    return loaded;
}

/** The SDK's own PUT operation for a type's ARM path (to cross-check the table). */
export function putOperationOf(type: string): PutOperation {
    const contract = contractOf(type);
    if (!contract) throw new Error(`no contract for ${type}`);
    return putOperation(contract.models, contract.armPath);
}

/** Only azure-native resources have an ARM contract (providers and Kubernetes objects do not). */
export function isArmResource(type: string): boolean {
    return type.startsWith("azure-native:");
}

/** Every violation of every azure-native resource in the list (other resources are skipped). */
export function checkResources(resources: readonly ResourceLike[]): Violation[] {
    return resources.filter((r) => isArmResource(r.type)).flatMap(checkResource);
}

/** Every violation of one azure-native resource's inputs. A type without a contract entry is one violation. */
export function checkResource(resource: ResourceLike): Violation[] {
    const id = `${resource.type}::${resource.name}`;
    const violations: Violation[] = [];
    const report = (path: string[], message: string) =>
        violations.push({ resource: id, path: path.join("."), message });
    const contract = contractOf(resource.type);
    if (!contract) {
        report([], `no ARM contract for ${resource.type}: add it to RESOURCE_CONTRACTS in tools/contract/shapes.ts`);
        return violations;
    }
    const inputs = toArmShape(resource.type, resource.inputs);
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(inputs)) {
        const parameter = contract.parameters[key];
        if (!parameter) body[key] = value;
        else if (value !== undefined) checkValue(value, parameter.mapper, [key], contract.models, report);
    }
    checkValue(body, contract.body, [], contract.models, report, true);
    return violations;
}

type Report = (path: string[], message: string) => void;

/**
 * Checks a value against one mapper, as for a property of a resource: every violation with its path (dot-separated,
 * from the value). `models` resolves Composite mappers by class name. For checks of the walker itself.
 */
export function checkAgainstMapper(
    value: unknown,
    mapper: Mapper,
    models: SdkModels,
): { path: string; message: string }[] {
    const found: { path: string; message: string }[] = [];
    checkValue(value, mapper, [], models, (path, message) => found.push({ path: path.join("."), message }));
    return found;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DURATION = new RegExp(
    String.raw`^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?` +
        String.raw`(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$`,
);

function showValue(value: unknown): string {
    if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
    if (Array.isArray(value)) return "a list";
    if (value === null) return "null";
    if (typeof value === "object") return "an object";
    return `${typeof value} ${String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Checks one value against its mapper. `root` marks the request body, where required properties that the
 * azure-native provider fills in itself (PROVIDER_FILLED) may be missing.
 */
function checkValue(
    value: unknown,
    mapper: Mapper,
    path: string[],
    models: SdkModels,
    report: Report,
    root = false,
): void {
    if (value === undefined) return;
    if (value === UNKNOWN) return; // not known until the deployment: any type
    if (value === null) {
        if (mapper.nullable !== true) report(path, "is null, and the model does not allow null");
        return;
    }
    if (mapper.isConstant && mapper.defaultValue !== undefined && value !== mapper.defaultValue) {
        report(path, `must be the constant ${JSON.stringify(mapper.defaultValue)}, got ${showValue(value)}`);
        return;
    }
    const type = mapper.type;
    const typeError = (expected: string) =>
        report(path, `expected ${expected} (${type.name}), got ${showValue(value)}`);
    switch (type.name) {
        case "String":
            if (typeof value !== "string") return typeError("a string");
            return checkConstraints(value, mapper, path, report);
        case "Number":
            if (typeof value !== "number" || !Number.isFinite(value)) return typeError("a number");
            return checkConstraints(value, mapper, path, report);
        case "Boolean":
            if (typeof value !== "boolean") return typeError("true or false");
            return;
        case "Uuid":
            if (typeof value !== "string" || !UUID.test(value)) return typeError("a UUID");
            return;
        case "Date":
            if (typeof value !== "string" || !DATE.test(value) || Number.isNaN(Date.parse(value)))
                return typeError("a date YYYY-MM-DD");
            return;
        case "DateTime":
        case "DateTimeRfc1123":
            if (typeof value !== "string" || Number.isNaN(Date.parse(value))) return typeError("a date-time");
            return;
        case "UnixTime":
            if (typeof value !== "number" || !Number.isInteger(value)) return typeError("seconds since the epoch");
            return;
        case "TimeSpan":
            if (typeof value !== "string" || !DURATION.test(value)) return typeError("an ISO 8601 duration");
            return;
        case "ByteArray":
        case "Base64Url":
            if (typeof value !== "string") return typeError("base64 text");
            return;
        case "Enum": {
            const allowed = (type as Extract<MapperType, { name: "Enum" }>).allowedValues;
            if (!allowed.includes(value))
                report(
                    path,
                    `${showValue(value)} is not one of the allowed values ` +
                        allowed.map((v) => JSON.stringify(v)).join(", "),
                );
            return;
        }
        case "Object":
            return; // free-form JSON
        case "Sequence": {
            if (!Array.isArray(value)) return typeError("a list");
            checkConstraints(value, mapper, path, report);
            const element = (type as Extract<MapperType, { name: "Sequence" }>).element;
            value.forEach((item, i) => checkValue(item, element, [...path, String(i)], models, report));
            return;
        }
        case "Dictionary": {
            if (!isPlainObject(value)) return typeError("a map");
            const element = (type as Extract<MapperType, { name: "Dictionary" }>).value;
            for (const [key, item] of Object.entries(value)) checkValue(item, element, [...path, key], models, report);
            return;
        }
        case "Composite":
            if (!isPlainObject(value)) return typeError("an object");
            return checkComposite(value, mapper, path, models, report, root);
        default:
            report(path, `has mapper type ${type.name}, which the contract check does not know`);
    }
}

/**
 * The properties of a composite mapper: inline, or by class name in the package's mappers; subtype by discriminator.
 */
function resolveComposite(
    value: Record<string, unknown>,
    mapper: Mapper,
    models: SdkModels,
): Extract<MapperType, { name: "Composite" }> {
    let type = mapper.type as Extract<MapperType, { name: "Composite" }>;
    if (!type.modelProperties && type.className) type = models.mappers[type.className]?.type as typeof type;
    const discriminator = type.polymorphicDiscriminator;
    if (discriminator && type.uberParent) {
        const kind = value[discriminator.serializedName];
        const subtype =
            typeof kind === "string" ? models.mappers.discriminators?.[`${type.uberParent}.${kind}`] : undefined;
        if (subtype) type = subtype.type as typeof type;
    }
    return type;
}

/**
 * Splits a serialized name at unescaped dots: "properties.a" → ["properties", "a"]; "odata\\.type" → ["odata.type"].
 */
function wireSegments(serializedName: string): string[] {
    return serializedName.split(/(?<!\\)\./).map((s) => s.replace(/\\\./g, "."));
}

const indexes = new WeakMap<object, Map<string, Mapper>>();

/**
 * The properties of a model by the name azure-native uses: the wire name, with the flattened `properties.` prefix
 * removed (azure-native flattens exactly that level, as the SDK does).
 */
function propertyIndex(properties: Record<string, Mapper>): Map<string, Mapper> {
    let index = indexes.get(properties);
    if (index) return index;
    index = new Map();
    for (const [clientName, property] of Object.entries(properties)) {
        const segments = wireSegments(property.serializedName ?? clientName);
        const name =
            segments[0] === "properties" && segments.length > 1 ? segments.slice(1).join(".") : segments.join(".");
        index.set(name, property);
    }
    indexes.set(properties, index);
    return index;
}

function checkComposite(
    value: Record<string, unknown>,
    mapper: Mapper,
    path: string[],
    models: SdkModels,
    report: Report,
    root: boolean,
): void {
    const type = resolveComposite(value, mapper, models);
    if (!type?.modelProperties) {
        report(
            path,
            `has no model ${(mapper.type as { className?: string }).className ?? "(anonymous)"} in ${models.package}`,
        );
        return;
    }
    const index = propertyIndex(type.modelProperties);
    for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        const property = index.get(key);
        if (!property) {
            if (type.additionalProperties) checkValue(item, type.additionalProperties, [...path, key], models, report);
            else
                report(
                    [...path, key],
                    `is not a property of ${type.className ?? "the model"} ` +
                        `in the ARM contract (${models.package}@${models.version})`,
                );
            continue;
        }
        if (property.readOnly) {
            report(
                [...path, key],
                `is read-only in ${type.className ?? "the model"}: Azure sets it, a request must not`,
            );
            continue;
        }
        checkValue(item, property, [...path, key], models, report);
    }
    for (const [name, property] of index) {
        if (!property.required || property.readOnly || property.isConstant || value[name] !== undefined) continue;
        if (root && PROVIDER_FILLED.has(name)) continue;
        report([...path, name], `is required by ${type.className ?? "the model"} and missing`);
    }
}

function checkConstraints(value: string | number | unknown[], mapper: Mapper, path: string[], report: Report): void {
    const c = mapper.constraints;
    if (!c) return;
    const shown = showValue(value);
    if (typeof value === "string") {
        if (c.Pattern !== undefined) {
            const pattern = typeof c.Pattern === "string" ? new RegExp(c.Pattern) : c.Pattern;
            if (!pattern.test(value)) report(path, `${shown} does not match the pattern ${pattern.source}`);
        }
        if (c.MaxLength !== undefined && value.length > c.MaxLength)
            report(path, `${shown} is longer than ${c.MaxLength} characters (MaxLength)`);
        if (c.MinLength !== undefined && value.length < c.MinLength)
            report(path, `${shown} is shorter than ${c.MinLength} characters (MinLength)`);
    } else if (typeof value === "number") {
        if (c.InclusiveMaximum !== undefined && value > c.InclusiveMaximum)
            report(path, `${value} is above the maximum ${c.InclusiveMaximum} (InclusiveMaximum)`);
        if (c.InclusiveMinimum !== undefined && value < c.InclusiveMinimum)
            report(path, `${value} is below the minimum ${c.InclusiveMinimum} (InclusiveMinimum)`);
        if (c.ExclusiveMaximum !== undefined && value >= c.ExclusiveMaximum)
            report(path, `${value} is not below ${c.ExclusiveMaximum} (ExclusiveMaximum)`);
        if (c.ExclusiveMinimum !== undefined && value <= c.ExclusiveMinimum)
            report(path, `${value} is not above ${c.ExclusiveMinimum} (ExclusiveMinimum)`);
        if (c.MultipleOf !== undefined && value % c.MultipleOf !== 0)
            report(path, `${value} is not a multiple of ${c.MultipleOf} (MultipleOf)`);
    } else {
        if (c.MaxItems !== undefined && value.length > c.MaxItems)
            report(path, `holds ${value.length} items, more than ${c.MaxItems} (MaxItems)`);
        if (c.MinItems !== undefined && value.length < c.MinItems)
            report(path, `holds ${value.length} items, fewer than ${c.MinItems} (MinItems)`);
        if (c.UniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
            report(path, "holds duplicate items (UniqueItems)");
    }
}
