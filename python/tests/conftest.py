import pytest

from helpers import project_copier

collect_ignore = ["projects"]  # fixture projects, run by the tests as subprocesses


@pytest.fixture
def project(tmp_path):
    return project_copier(tmp_path)
