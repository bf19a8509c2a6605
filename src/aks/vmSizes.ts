/**
 * What an Azure VM size name says about the VM, by Azure's naming convention
 * (virtual-machines/vm-naming-conventions.md: `[Family] + [Sub-family]* + [# of vCPUs] + [Constrained vCPUs]* +
 * [Additive Features] + [Accelerator Type]* + [Version]`), and AKS's rules for System pools that follow from it.
 */

export interface VmSizeName {
    /** Family letters (and a sub-family letter), e.g. `D`, `DC`, `Eb`, `NC`, `B`. */
    family: string;
    /** vCPUs the VM runs with: the constrained count where the name gives one (`E8-2ds_v5` runs 2). */
    vCPUs: number;
}

// Standard_<family letters><vCPUs>[-<constrained vCPUs>]<features and version>
const VM_SIZE_NAME = /^Standard_([A-Z]+[a-z]?)(\d+)(?:-(\d+))?[a-z]*(?:_|$)/;

/**
 * VM size families Azure offers (virtual-machines/sizes/overview.md, 2025-09, and previous-gen-sizes-list.md), as the
 * letters before the vCPU count: a size of another family cannot exist (InvalidParameter).
 */
const VM_FAMILIES = {
    source:
        "MicrosoftDocs/azure-compute-docs articles/virtual-machines/sizes/overview.md and " +
        "previous-gen-sizes-list.md",
    asOf: "2026-11-30",
    families: [
        "A",
        "B",
        "D",
        "DC",
        "DS",
        "E",
        "EB",
        "EC",
        "F",
        "FX",
        "FS",
        "G",
        "GS",
        "H",
        "HB",
        "HC",
        "HX",
        "L",
        "LS",
        "M",
        "MS",
        "NC",
        "NCC",
        "ND",
        "NG",
        "NP",
        "NV",
    ],
} as const;

/** Family and vCPUs from a size name, or undefined for a name that does not follow the convention. */
function parseVmSizeName(vmSize: string): VmSizeName | undefined {
    const match = VM_SIZE_NAME.exec(vmSize);
    if (!match) return undefined;
    return { family: match[1], vCPUs: Number(match[3] ?? match[2]) };
}

/**
 * use-system-pools.md: "System node pools require a VM SKU of at least 4 vCPUs and 4 GB of memory" and "B series VMs
 * aren't supported for system node pools". quotas-skus-regions.md says two vCPUs instead; the sources disagree, so
 * the project takes the stricter rule (a refused preview costs less than a failed deployment). Every size with 4
 * vCPUs or more has at least 4 GiB, so the vCPUs in the name decide.
 */
const SYSTEM_POOL_MIN_VCPUS = 4;

/** Why the size cannot exist (a family Azure does not offer), or undefined. */
export function unknownVmSizeProblem(vmSize: string): string | undefined {
    const size = parseVmSizeName(vmSize);
    if (size && (VM_FAMILIES.families as readonly string[]).includes(size.family.toUpperCase())) return undefined;
    return (
        `"${vmSize}" is not a VM size known to this version of the data (as of ${VM_FAMILIES.asOf}: ` +
        `Standard_<family><vCPUs>…, families ${VM_FAMILIES.families.join(", ")}): ` +
        `check the name (az vm list-sizes --location <region>)`
    );
}

/** Why AKS would refuse `vmSize` for a System pool, or undefined when it is fine or the name cannot tell. */
export function systemPoolVmSizeProblem(vmSize: string): string | undefined {
    const size = parseVmSizeName(vmSize);
    if (!size) return undefined;
    if (size.family.toUpperCase() === "B")
        return (
            `"${vmSize}" is a burstable B-series size, which AKS does not support for System pools: ` +
            `use e.g. "Standard_D4s_v5"`
        );
    if (size.vCPUs < SYSTEM_POOL_MIN_VCPUS) {
        return (
            `"${vmSize}" has ${size.vCPUs} vCPU${size.vCPUs === 1 ? "" : "s"}; ` +
            `AKS System pools need at least ${SYSTEM_POOL_MIN_VCPUS} vCPUs and 4 GiB: use e.g. "Standard_D4s_v5"`
        );
    }
    return undefined;
}
