"""The unit directory: collectives, merges, and the shipped data file."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from bot.datafiles import DATA_PACKAGE, SEED_PLAN_FILE, UNITS_FILE, load_directory, load_yaml
from bot.units import Directory, DirectoryError, Unit, UnitKind

DIRECTORY = load_directory()


def test_seed_collectives_expand_as_the_plan_means() -> None:
    localities = DIRECTORY.expand("dia-phuong")
    assert localities == {
        "ubnd-tp-bac-ninh", "ubnd-tp-tu-son", "ubnd-tx-thuan-thanh", "ubnd-tx-que-vo",
        "ubnd-h-yen-phong", "ubnd-h-tien-du", "ubnd-h-gia-binh", "ubnd-h-luong-tai",
    }
    assert DIRECTORY.expand("to-chuyen-gia") == {f"to-cg-{n}" for n in range(1, 6)}
    departments = DIRECTORY.expand("so-ban-nganh")
    assert {"so-khdt", "so-tc", "so-tp", "cuc-thue", "bql-kcn", "vien-ptktxh"} <= departments
    assert not departments & localities
    assert DIRECTORY.expand("so-ban-nganh-dia-phuong") == departments | localities
    # Party bodies and UBND tỉnh are not "sở, ban, ngành".
    assert not {"ubnd-tinh", "tinh-uy", "to-ctdb"} & departments
    assert DIRECTORY.expand("co-quan-uy-quyen-bt") == frozenset()


def test_every_unit_the_seed_names_is_there() -> None:
    names = {u.name for u in DIRECTORY}
    for name in ("Sở Kế hoạch và Đầu tư", "Sở Tài chính", "Sở Xây dựng",
                 "Sở Tài nguyên và Môi trường", "Công an tỉnh", "Cục Thuế tỉnh",
                 "Sở Thông tin và Truyền thông", "Sở Công Thương",
                 "Sở Văn hóa, Thể thao và Du lịch", "Sở Nông nghiệp và Phát triển nông thôn",
                 "Sở Tư pháp", "Ban Quản lý các khu công nghiệp tỉnh",
                 "Viện Nghiên cứu Phát triển kinh tế - xã hội tỉnh", "Tổ công tác đặc biệt",
                 "UBND thành phố Bắc Ninh", "UBND thị xã Quế Võ", "Thường trực Tỉnh ủy",
                 "Các chủ đầu tư", "Các sở, ban, ngành, địa phương"):
        assert name in names


def _merged(directory: Directory, unit_id: str, into: str) -> Directory:
    return Directory(Unit(**{**u.__dict__, "merged_into": into}) if u.id == unit_id else u
                     for u in directory)


def test_merges_follow_to_the_successor() -> None:
    # 2025: Sở KH&ĐT into Sở Tài chính; Sở NN&PTNT and Sở TN&MT into a new department.
    merged = _merged(DIRECTORY, "so-khdt", "so-tc")
    merged = Directory([*merged, Unit("so-nnmt", "Sở Nông nghiệp và Môi trường",
                                      UnitKind.DEPARTMENT)])
    merged = _merged(_merged(merged, "so-nnptnt", "so-nnmt"), "so-tnmt", "so-nnmt")
    assert merged.successor("so-khdt") == "so-tc"
    assert merged.predecessors("so-nnmt") == {"so-nnptnt", "so-tnmt"}
    assert merged.expand("so-khdt") == {"so-tc"}
    assert "so-khdt" not in merged.expand("so-ban-nganh")
    assert {"so-tc", "so-nnmt"} <= merged.expand("so-ban-nganh")
    assert merged.designates(["so-tnmt"], "so-nnmt")
    # Through a chain, and nothing for a unit nobody merged into (or an unknown id).
    chained = _merged(merged, "so-tc", "so-nnmt")
    assert chained.predecessors("so-nnmt") == {"so-nnptnt", "so-tnmt", "so-tc", "so-khdt"}
    assert chained.predecessors("so-tp") == frozenset()
    assert chained.predecessors("no-such-unit") == frozenset()


def test_bad_directories_are_refused() -> None:
    a = Unit("a", "A", UnitKind.DEPARTMENT, merged_into="b")
    b = Unit("b", "B", UnitKind.DEPARTMENT, merged_into="a")
    with pytest.raises(DirectoryError, match="cycle"):
        Directory([a, b])
    with pytest.raises(DirectoryError, match="unknown unit"):
        Directory([Unit("c", "C", UnitKind.COLLECTIVE, members=("nope",))])
    with pytest.raises(DirectoryError, match="duplicate"):
        Directory([Unit("d", "D", UnitKind.OTHER), Unit("d", "D2", UnitKind.OTHER)])
    loop = [Unit("x", "X", UnitKind.COLLECTIVE, members=("y",)),
            Unit("y", "Y", UnitKind.COLLECTIVE, members=("x",))]
    with pytest.raises(DirectoryError, match="cycle"):
        Directory(loop).expand("x")
    with pytest.raises(DirectoryError, match="unknown unit"):
        DIRECTORY.get("no-such-unit")


def test_the_data_files_read_the_same_with_either_yaml_loader() -> None:
    """Start-up reads them with libyaml's loader when there is one: what it reads must
    be what the pure-Python safe loader reads."""
    for name in (UNITS_FILE, SEED_PLAN_FILE):
        text = resources.files(DATA_PACKAGE).joinpath(name).read_text("utf-8")
        assert load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)
