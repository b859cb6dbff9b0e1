"""The Rackspace driver: Rackspace's cloud is OpenStack, so this is the openstack driver with docker-machine's
``--rackspace-*`` flags and Rackspace's identity service (its Pulumi side: driver.py, a subclass of the openstack
driver's; pulumi-openstack is the optional extra ``openstack``)."""

from ..info import GENERATED_KEY_FILE, SSH_REBOOT, DriverInfo, StoredFields
from ..openstack import INFO as OPENSTACK
from .flags import FLAGS

INFO = DriverInfo(
    name="rackspace",
    driver="driver:RackspaceDriver",
    flags=FLAGS,
    check=None,  # the SDK and the credentials are checked with the flags; Rackspace itself answers at create
    # The openstack driver's resources, the same lines (its provider made with a Rackspace token).
    steps={typ: lines for typ, lines in OPENSTACK.steps.items() if "floatingIp" not in typ},
    # docker-machine 0.16.2's rackspace client refused start and stop; restart was a reboot (here over SSH).
    power={"restart": SSH_REBOOT},
    power_refusal="Rackspace does not currently support the {verb} operation",
    needs_store_path=False,
    key_file=GENERATED_KEY_FILE,
    per_node=(),
    stored=StoredFields(),
    # Its provider's token lasts a day: rm logs in again through the program instead of using state's token.
    destroy_runs_program=True,
)
