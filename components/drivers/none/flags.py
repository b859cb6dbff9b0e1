"""docker-machine's none driver flag (v0.16.2 drivers/none/driver.go): data only."""

from ..info import STR

FLAGS = (("--url", "url", STR, "", "", "URL of host when no driver is selected"),)
