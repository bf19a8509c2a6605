/**
 * Every default of the project, in one place. Components, the stack program, the offline plan and the README all
 * take their defaults from here.
 */
export const defaults = {
    /** Nodes of a pool that names neither `count` nor `minCount`/`maxCount`. */
    nodeCount: 3,
    /** Pods per node. Set explicitly on every pool: the AKS docs disagree on the API's own default (30/110/250). */
    maxPods: 50,
    /** Extra nodes during an upgrade; the API's own default, now written explicitly and counted by the planner. */
    maxSurge: "10%",
    podIPAllocationMode: "DynamicIndividual",
    /** VM size of a pool's nodes. */
    vmSize: "Standard_D4s_v5",
    /** Node OS of a pool. */
    osSku: "AzureLinux",
    /** dnsServiceIP = network address of serviceCidr + this offset (172.16.0.10 for 172.16.0.0/16). */
    dnsServiceIPOffset: 10,
    subnetNames: { nodes: "nodes", pods: "pods", virtualNodes: "virtual-nodes" },
    outboundType: "loadBalancer",
    /**
     * With userAssignedNATGateway: the NAT gateway's idle timeout (Pulumi.yaml declares 0, "unset", so that an explicit
     * value shows).
     */
    natGatewayIdleTimeoutMinutes: 4,
    /**
     * Entra ID clusters: kubelogin's login for the provider's kubeconfig (the Azure CLI's, also after azure/login in
     * CI).
     */
    kubeloginMode: "azurecli",
    /** A maintenance window's offset from UTC when it names none. */
    maintenanceUtcOffset: "+00:00",
    /** A private cluster's API server DNS zone: AKS creates and links it (`system`). */
    privateDnsZone: "system",
    ipMasqAgent: {
        image: "mcr.microsoft.com/aks/ip-masq-agent-v2:v0.1.15",
        /** Its own chain, so it never fights AKS's agent over IP-MASQ-AGENT (≤ 28 characters). */
        chain: "POD-SUBNET-MASQ",
        /** Seconds between re-reads of the config and rewrites of the rules. */
        resyncInterval: 60,
        namespace: "kube-system",
        name: "pod-subnet-ip-masq-agent",
        configFileName: "ip-masq-agent",
        enabled: true,
        cleanup: false,
        /** Runs the host's iptables through nsenter to remove the agent's rules (`cleanup: true`). */
        cleanupImage: "mcr.microsoft.com/azurelinux/busybox:1.36",
    },
} as const;

/** Azure's smallest subnet (prefix length). */
export const AZURE_SMALLEST_SUBNET_PREFIX = 29;

/** Addresses Azure keeps in every subnet: the first four and the last. */
export const AZURE_RESERVED_PER_SUBNET = 5;

/** Ranges AKS refuses for the service CIDR, the pod range and the VNet. */
export const AKS_REJECTED_RANGES = ["169.254.0.0/16", "192.0.2.0/24", "172.30.0.0/16", "172.31.0.0/16"] as const;

/**
 * Ranges Azure refuses in a virtual network's address space (virtual-networks-faq.md): multicast, broadcast,
 * loopback, link-local (already in AKS_REJECTED_RANGES) and the platform's 168.63.129.16 (DNS, DHCP, health probes).
 */
export const AZURE_VNET_REFUSED_RANGES = [
    "224.0.0.0/4",
    "255.255.255.255/32",
    "127.0.0.0/8",
    "168.63.129.16/32",
] as const;

/** quotas-skus-regions.md: "Maximum node pools per cluster | 100". */
export const MAX_POOLS_PER_CLUSTER = 100;
/** free-standard-pricing-tiers.md: the Free tier "Supports up to 1,000 nodes"; Standard and Premium 5,000. */
export const MAX_NODES_PER_CLUSTER = { Free: 1000, Standard: 5000, Premium: 5000 } as const;

/**
 * Link-local: ip-masq-agent-v2 always returns (never masquerades) it while `masqLinkLocal` is false, which this
 * project keeps so that pods reach IMDS (169.254.169.254).
 */
export const LINK_LOCAL_CIDR = "169.254.0.0/16";

/** ip-masq-agent-v2 exits on a config file with more CIDRs than this. */
export const AGENT_MAX_CIDRS = 64;

/** Azure CNI hands pod IPs to nodes in batches of this many (and StaticBlock in /28 blocks of the same size). */
export const POD_IP_BATCH = 16;

export const MAX_PODS_RANGE = { min: 10, max: 250 } as const;
/**
 * concepts-network-ip-address-planning.md: maxPods may go down to 10 "if and only if the configuration of each node
 * pool has space for a minimum of 30 pods", "strictly enforced by the AKS service".
 */
export const MIN_PODS_PER_POOL = 30;
/** plan-pod-networking.md: Azure CNI Pod Subnet with dynamic IP allocation has a "Limitation of 64,000 IPs". */
export const MAX_DYNAMIC_POD_IPS = 64_000;
/** Largest service CIDR AKS accepts (prefix length). */
export const SERVICE_CIDR_MAX_PREFIX = 12;
/** Largest subnet StaticBlock allocation accepts (prefix length). */
export const STATIC_BLOCK_MAX_PREFIX = 12;
export const MAX_NODES_PER_POOL = 1000;
