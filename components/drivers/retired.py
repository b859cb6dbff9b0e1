"""docker-machine 0.16.2's built-in drivers that are not offered here, each with why and what to use instead:
``create -d NAME`` says so in one line (exit 1) instead of "not found". Data only (no Pulumi, no SDK)."""

RETIRED = {
    "softlayer": (
        "SoftLayer is IBM Cloud's classic infrastructure now, and there is no Pulumi provider for IBM Cloud to make "
        "its servers with: order the server in IBM Cloud, then register it with "
        "create -d generic --generic-ip-address ADDRESS --generic-ssh-key KEY NAME"
    ),
    "vmwarevcloudair": (
        "VMware sold vCloud Air to OVH in 2017 and its API is gone: for VMware Cloud Director, its successor, use "
        "create -d vcd, which takes the same --vmwarevcloudair-* flags"
    ),
}
