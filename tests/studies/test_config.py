"""Study settings: defaults, study files, overrides and the messages for bad input."""

import pytest

from geomwork.studies import (PARTS, SETTINGS, StudyError, default_study, describe_settings, load_study,
                              parse_override, study_to_toml)


def write(tmp_path, text, name="study.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_study_runs_every_part_with_every_key():
    config = default_study()
    assert config.parts == PARTS
    for setting in SETTINGS:
        assert config.get(setting.key) == setting.default
    assert config["instanton"]["lattice"] == [16, 16, 16, 16]


def test_built_in_part_and_override():
    config = default_study(["instanton"], [("instanton", "size", 2)])
    assert config.parts == ("instanton",)
    assert config["instanton"]["size"] == 2.0
    assert isinstance(config["instanton"]["size"], float)


def test_study_file_overrides_defaults_and_keeps_the_rest(tmp_path):
    path = write(tmp_path, '[study]\nparts = ["ricci"]\nseed = 3\n[ricci]\npoints = 24\n')
    config = load_study(path)
    assert config.parts == ("ricci",)
    assert config["study"]["seed"] == 3
    assert config["ricci"]["points"] == 24
    assert config["ricci"]["surface"] == "rubinstein-sinclair"
    assert config.source == f"study file {path}"


def test_written_study_reads_back_equal(tmp_path):
    config = default_study(["attention", "ricci"], [("attention", "islands", 2),
                                                    ("study", "name", 'say "hi"')])
    path = write(tmp_path, study_to_toml(config))
    assert load_study(path) == config


def test_command_line_overrides_win_over_the_file(tmp_path):
    path = write(tmp_path, "[instanton]\nsize = 2.0\n")
    config = load_study(path, [parse_override("instanton.size=3"), parse_override("instanton.group=su3")])
    assert config["instanton"]["size"] == 3.0
    assert config["instanton"]["group"] == "su3"


@pytest.mark.parametrize("text, key, value", [
    ("instanton.lattice=[8, 8, 8, 8]", "lattice", [8, 8, 8, 8]),
    ("attention.islands=auto", "islands", "auto"),
    ("attention.islands=2", "islands", 2),
    ("study.name=my run", "name", "my run"),
])
def test_parse_override(text, key, value):
    assert parse_override(text)[1:] == (key, value)


def test_parse_override_needs_section_key_and_value():
    with pytest.raises(StudyError) as error:
        parse_override("size=2")
    assert str(error.value) == ("--set 'size=2' is invalid; write SECTION.KEY=VALUE, "
                                "e.g. --set instanton.size=2.0")


# Each bad file is pinned to its full message: the key, the value and what is allowed.
BAD_FILES = [
    ("[instantn]\nsize = 2.0\n",
     "unknown section [instantn]; the sections are: [study], [instanton], [attention], [ricci], [pictures]"),
    ("[instanton]\nlattic = [8, 8, 8, 8]\n",
     "unknown key instanton.lattic; the keys of [instanton] are: group, lattice, size, noise_beta, "
     "noise_sweeps, flow_time, flow_step, measure_every, frames"),
    ('[instanton]\ngroup = "su5"\n', 'instanton.group = "su5" is invalid; allowed: "su2", "su3"'),
    ("[instanton]\nlattice = [8, 8, 7, 8]\n",
     "instanton.lattice = [8, 8, 7, 8] is invalid; allowed: a list of 4 even integers >= 4 and <= 64"),
    ("[instanton]\nlattice = [8, 8, 8]\n",
     "instanton.lattice = [8, 8, 8] is invalid; allowed: a list of 4 even integers >= 4 and <= 64"),
    ("[instanton]\nsize = -1\n", "instanton.size = -1 is invalid; allowed: a number >= 0.5"),
    ('[instanton]\nsize = "big"\n', 'instanton.size = "big" is invalid; allowed: a number >= 0.5'),
    ("[instanton]\nsize = 8.0\n",
     "instanton.size = 8.0 is invalid; allowed: a number >= 0.5 and below half the smallest lattice "
     "extent (8)"),
    ("[instanton]\nnoise_beta = 0\n", "instanton.noise_beta = 0 is invalid; allowed: a number > 0"),
    ("[instanton]\nnoise_sweeps = 1.5\n",
     "instanton.noise_sweeps = 1.5 is invalid; allowed: an integer >= 0 and <= 1000"),
    ("[instanton]\nnoise_sweeps = true\n",
     "instanton.noise_sweeps = true is invalid; allowed: an integer >= 0 and <= 1000"),
    ("[instanton]\nflow_time = 1.03\n",
     "instanton.flow_time = 1.03 is invalid; allowed: a whole number of flow_step = 0.05, such as 1.05"),
    ("[instanton]\nflow_time = 0.2\nframes = 7\n",
     "instanton.frames = 7 is invalid; allowed: at most the number of flow steps plus one (5)"),
    ("[study]\nparts = []\n",
     'study.parts = [] is invalid; allowed: a non-empty list of distinct names from "instanton", '
     '"attention", "ricci"'),
    ('[study]\nparts = ["ricci", "ricci"]\n',
     'study.parts = ["ricci", "ricci"] is invalid; allowed: a non-empty list of distinct names from '
     '"instanton", "attention", "ricci"'),
    ("[attention]\ndimension = 40\n",
     "attention.dimension = 40 is invalid; allowed: an integer >= 3 and <= the smallest width (32)"),
    ("[attention]\naxes = 9\n", "attention.axes = 9 is invalid; allowed: an integer >= 3 and <= dimension (8)"),
    ('[attention]\nislands = "many"\n',
     'attention.islands = "many" is invalid; allowed: "auto" or an integer >= 1'),
    ("[attention]\nislands = 9\n",
     'attention.islands = 9 is invalid; allowed: "auto" or an integer >= 1 and <= networks (8)'),
    ('[ricci]\nsurface = "torus"\n',
     'ricci.surface = "torus" is invalid; allowed: "rubinstein-sinclair", "round-sphere"'),
    ("[pictures]\nwindow_size = [800, 10]\n",
     "pictures.window_size = [800, 10] is invalid; allowed: a list of 2 integers >= 64 and <= 4096"),
    ("instanton = 3\n", "instanton = 3 is not a table; write the keys under a [instanton] header"),
]


@pytest.mark.parametrize("text, message", BAD_FILES)
def test_bad_study_file_names_key_value_and_allowed(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(StudyError) as error:
        load_study(path)
    assert str(error.value) == f"study file {path}: {message}"


def test_bad_override_is_reported_as_coming_from_set(tmp_path):
    with pytest.raises(StudyError) as error:
        default_study(overrides=[parse_override("ricci.points=4")])
    assert str(error.value) == "--set: ricci.points = 4 is invalid; allowed: an integer >= 8 and <= 4096"
    path = write(tmp_path, "[ricci]\npoints = 24\n")
    with pytest.raises(StudyError) as error:
        load_study(path, [parse_override("instanton.size=abc")])
    assert str(error.value) == '--set: instanton.size = "abc" is invalid; allowed: a number >= 0.5'
    with pytest.raises(StudyError) as error:
        load_study(path, [parse_override("ricc.points=4")])
    assert str(error.value).startswith("--set: unknown section [ricc]; the sections are: [study]")


def test_relations_with_overrides_are_checked_on_the_result():
    with pytest.raises(StudyError) as error:
        default_study(overrides=[parse_override("instanton.lattice=[6,6,6,6]")])
    assert str(error.value) == ("built-in study: instanton.size = 3.5 is invalid; allowed: a number >= 0.5 "
                                "and below half the smallest lattice extent (3)")


def test_not_toml_missing_and_wrong_suffix(tmp_path):
    broken = write(tmp_path, "[instanton\nsize = 2\n")
    with pytest.raises(StudyError, match=rf"^study file {broken} is not valid TOML: .*line 1"):
        load_study(broken)
    missing = tmp_path / "nothing.toml"
    with pytest.raises(StudyError) as error:
        load_study(missing)
    assert str(error.value) == f"study file {missing} does not exist; give the path of a .toml file"
    with pytest.raises(StudyError) as error:
        load_study(tmp_path / "study.yaml")
    assert str(error.value).endswith("the name must end in .toml, or be one of the built-in studies: "
                                     "all, instanton, attention, ricci")


def test_non_finite_numbers_are_rejected(tmp_path):
    path = write(tmp_path, "[attention]\ncoupling = nan\n")
    with pytest.raises(StudyError, match="attention.coupling = nan is invalid"):
        load_study(path)


def test_description_lists_every_key():
    text = describe_settings(width=1000)
    for setting in SETTINGS:
        assert f"[{setting.section}]" in text
        assert f"  {setting.name} = " in text
        assert setting.describe_allowed() in text
    assert max(len(line) for line in describe_settings(width=60).splitlines()) <= 60
    assert '  lattice = [16, 16, 16, 16]\n      Lattice extents L0, L1, L2, L3. Allowed: a list of 4 even ' in text
