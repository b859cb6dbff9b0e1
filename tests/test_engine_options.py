import pytest

from pulumi_docker_machine.components.engine import DEFAULT_INSTALL_URL, EngineOptionError, EngineOptions


def test_defaults_match_docker_machine():
    engine = EngineOptions()
    assert engine.install_url == DEFAULT_INSTALL_URL == "https://get.docker.com"
    assert engine.port == 2376
    assert engine.storage_driver == "overlay2"
    assert engine.all_labels("digitalocean") == ["provider=digitalocean"]


def test_lists_become_tuples_and_round_trip_through_dicts():
    engine = EngineOptions(labels=["role=web"], opts=["log-level=debug", "debug"], env=["A=1"])
    assert engine.labels == ("role=web",)
    assert EngineOptions.from_dict(engine.to_dict()) == engine
    assert engine.to_dict()["opts"] == ["log-level=debug", "debug"]


def test_engine_opts_become_dockerd_flags():
    engine = EngineOptions(opts=["dns=8.8.8.8", "--max-concurrent-downloads=6", "debug", "log-opt=max-size=10m"])
    assert engine.dockerd_flags() == [
        "--dns=8.8.8.8",
        "--max-concurrent-downloads=6",
        "--debug",
        "--log-opt=max-size=10m",
    ]


def test_provider_label_comes_first_and_once():
    engine = EngineOptions(labels=["provider=generic", "role=db"])
    assert engine.all_labels("generic") == ["provider=generic", "role=db"]


def test_env_pairs_split_on_the_first_equals():
    assert EngineOptions(env=["NO_PROXY=a=b,c"]).env_pairs() == [("NO_PROXY", "a=b,c")]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"install_url": "ftp://x"}, "is not an http(s) URL: give a URL, 'distro' or 'none'"),
        ({"port": 0}, "is not a TCP port"),
        ({"port": True}, "is not a TCP port"),
        ({"storage_driver": "Over Lay"}, "is not a storage driver name"),
        ({"labels": ["novalue"]}, "must look like key=value"),
        ({"labels": "role=web"}, "must be a list of strings"),
        ({"env": ["1BAD=x"]}, "must look like NAME=value"),
        ({"env": ["A=line\nbreak"]}, "contains a line break"),
        ({"opts": ["Bad Flag=1"]}, "must look like flag=value"),
        ({"opts": ["tlsverify=false"]}, "TLS verification is always on"),
        ({"opts": ["label=x=y"]}, "use --engine-label instead"),
        ({"opts": ["host=tcp://0.0.0.0:2375"]}, "hosts are set by docker-machine"),
        ({"registry_mirrors": ["has space"]}, "without spaces"),
    ],
)
def test_bad_options_get_one_line_errors_naming_the_fix(kwargs, message):
    with pytest.raises(EngineOptionError) as err:
        EngineOptions(**kwargs)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_key_in_a_dict_is_named():
    with pytest.raises(EngineOptionError, match="unknown engine option 'lables'"):
        EngineOptions.from_dict({"lables": ["a=b"]})
