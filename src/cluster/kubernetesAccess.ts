/**
 * How `pulumi up` itself reaches a cluster with Entra ID and Azure RBAC: a non-interactive kubelogin mode in the
 * exec kubeconfig, a Kubernetes RBAC role for the identity that runs `pulumi up`, and a bounded wait for that role
 * to take effect before the Kubernetes objects are created.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";

/**
 * Azure Kubernetes Service RBAC Cluster Admin: lets the deploying identity create the agent's objects in kube-system
 * (entra-id-authorization.md, built-in roles).
 */
export const AKS_RBAC_CLUSTER_ADMIN_ROLE = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

/**
 * kubelogin's non-interactive login modes (kubelogin `get-token --login`): the Azure CLI's login (local runs, and CI
 * after azure/login), workload identity (OIDC federation: AZURE_CLIENT_ID, AZURE_TENANT_ID,
 * AZURE_FEDERATED_TOKEN_FILE), a service principal (AAD_SERVICE_PRINCIPAL_CLIENT_ID and _SECRET), a managed identity.
 * Never devicecode, AKS's default, which waits for a person nobody sees in CI.
 */
export const KUBELOGIN_MODES = ["azurecli", "workloadidentity", "spn", "msi"] as const;
export type KubeloginMode = (typeof KUBELOGIN_MODES)[number];

/** Entra ID applies new role assignments within about five minutes (entra-id-authorization.md). */
export const RBAC_PROPAGATION_SECONDS = 300;

/**
 * Rewrites the kubelogin exec entries of an AKS exec kubeconfig for `mode`, as `kubelogin convert-kubeconfig -l <mode>`
 * does: `get-token --login <mode> --server-id <id>`, plus the tenant and environment for a service principal. Entries
 * that do not run kubelogin are left alone.
 */
export function withKubeloginMode(kubeconfig: string, mode: KubeloginMode): string {
    const document = parse(kubeconfig) as { users?: { user?: { exec?: { command?: string; args?: string[] } } }[] };
    for (const entry of document.users ?? []) {
        const exec = entry.user?.exec;
        if (!exec || !/(^|\/)kubelogin(\.exe)?$/.test(exec.command ?? "")) continue;
        const args = exec.args ?? [];
        const flag = (name: string) => {
            const i = args.indexOf(name);
            return i >= 0 ? args[i + 1] : undefined;
        };
        const serverId = flag("--server-id");
        exec.args = ["get-token", "--login", mode, ...(serverId ? ["--server-id", serverId] : [])];
        if (mode === "spn") {
            for (const name of ["--tenant-id", "--environment"]) {
                const value = flag(name);
                if (value) exec.args.push(name, value);
            }
        }
    }
    return stringify(document);
}

/**
 * Waits, once, when it is created: a new role assignment needs minutes before the API server honours it, and the
 * Kubernetes objects created before that would be refused (403). Bounded by `seconds`; nothing happens in a preview,
 * or on later runs (the wait is replaced only when the role assignment is).
 */
const propagationWait: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { seconds: number; roleAssignmentId: string }) {
        await new Promise((resolve) => setTimeout(resolve, inputs.seconds * 1000));
        return { id: `waited-${inputs.seconds}s`, outs: inputs };
    },
    // A new role assignment waits again (replace); nothing else ever changes.
    async diff(_id: string, olds: { roleAssignmentId?: string }, news: { roleAssignmentId?: string }) {
        const changed = olds.roleAssignmentId !== news.roleAssignmentId;
        return { changes: changed, replaces: changed ? ["roleAssignmentId"] : [] };
    },
};

export class RoleAssignmentPropagation extends pulumi.dynamic.Resource {
    constructor(
        name: string,
        args: { roleAssignmentId: pulumi.Input<string>; seconds: number },
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(propagationWait, name, args, opts);
    }
}
