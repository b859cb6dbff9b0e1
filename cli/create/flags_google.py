"""docker-machine's google driver flags, as rows of pulumi_docker_machine.cli.create.flags.DRIVER_FLAGS["google"].

Each row: (flag, driver option, type, default shown in help, environment variable, help). Types are
the literal strings of pulumi_docker_machine.cli.create.flags (INT, STR, BOOL, MULTI), not imported from it: that module
imports this one. Nothing heavy here (no SDK, no pulumi): ``create --help`` reads it.

Comma lists (--google-tags, --google-scopes) are passed through as the string the user gave; the
driver splits them.
"""

from __future__ import annotations

from typing import Any

FLAGS: list[tuple[str, str, str, Any, str, str]] = [
    ("--google-project", "project", "str", "", "GOOGLE_PROJECT", "GCE Project"),
    ("--google-zone", "zone", "str", "us-central1-a", "GOOGLE_ZONE", "GCE Zone"),
    ("--google-machine-type", "machine_type", "str", "e2-small", "GOOGLE_MACHINE_TYPE", "GCE Machine Type"),
    ("--google-machine-image", "machine_image", "str", "ubuntu-os-cloud/ubuntu-2404-lts-amd64", "GOOGLE_MACHINE_IMAGE",
     "GCE Machine Image (project/family, project/image or a self link)"),
    ("--google-username", "ssh_user", "str", "docker-user", "GOOGLE_USERNAME", "GCE User Name"),
    ("--google-disk-size", "disk_size", "int", 20, "GOOGLE_DISK_SIZE", "GCE Instance Disk Size (in GB)"),
    ("--google-disk-type", "disk_type", "str", "pd-standard", "GOOGLE_DISK_TYPE", "GCE Instance Disk type"),
    ("--google-network", "network", "str", "default", "GOOGLE_NETWORK", "Specify network in which to provision vm"),
    ("--google-subnetwork", "subnetwork", "str", "", "GOOGLE_SUBNETWORK", "Specify subnetwork in which to provision vm"),
    ("--google-address", "address", "str", "", "GOOGLE_ADDRESS", "GCE Instance External IP (a reserved address's name or IP)"),
    ("--google-preemptible", "preemptible", "bool", False, "GOOGLE_PREEMPTIBLE", "GCE Instance Preemptibility"),
    ("--google-spot", "spot", "bool", False, "GOOGLE_SPOT", "GCE Spot VM (provisioning model SPOT, stopped when preempted)"),
    ("--google-tags", "tags", "str", "", "GOOGLE_TAGS", "GCE Instance Tags (comma-separated)"),
    ("--google-service-account", "service_account", "str", "", "GOOGLE_SERVICE_ACCOUNT",
     "GCE Service Account for the VM (e-mail address; the default service account when left out)"),
    ("--google-scopes", "scopes", "str", "devstorage.read_only,logging.write", "GOOGLE_SCOPES",
     "GCE Scopes (comma-separated if multiple scopes)"),
    ("--google-use-internal-ip", "use_internal_ip", "bool", False, "GOOGLE_USE_INTERNAL_IP",
     "Use internal GCE Instance IP rather than public one"),
    ("--google-use-internal-ip-only", "use_internal_ip_only", "bool", False, "GOOGLE_USE_INTERNAL_IP_ONLY",
     "Configure GCE instance to not have an external IP address"),
    ("--google-open-port", "open_ports", "multi", "", "", "Make the specified port number accessible from the Internet"),
]
