"""The demo city 鹤壁市 (4106): real county-level divisions, generated townships, communities and
grids with non-overlapping boundaries, departments, and one user per role and level."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from api import auth
from api.domains.accounts.models import RoleAssignment, User
from api.domains.hierarchy import search as region_search
from api.domains.hierarchy.enums import UrbanRural
from api.domains.hierarchy.models import Department, Region
from api.regions import Level

DEFAULT_PASSWORD = "Gridgov-demo-2026"  # noqa: S105 - documented in README for the demo
CITY = ("4106", "鹤壁市", 35.748, 114.297)
DISTRICTS = [
    ("410602", "鹤山区", 35.954, 114.163, UrbanRural.URBAN),
    ("410603", "山城区", 35.897, 114.184, UrbanRural.URBAN),
    ("410611", "淇滨区", 35.741, 114.298, UrbanRural.URBAN),
    ("410621", "浚县", 35.676, 114.550, UrbanRural.RURAL),
    ("410622", "淇县", 35.609, 114.197, UrbanRural.RURAL),
]
STREET_PARTS = [
    "金山",
    "九州路",
    "长风",
    "黎阳",
    "大河",
    "钜桥",
    "新华",
    "红旗",
    "朝阳",
    "淇河",
    "中山",
    "鹤壁集",
]
TOWN_PARTS = [
    "卫贤",
    "屯子",
    "王庄",
    "善堂",
    "小河",
    "北阳",
    "西岗",
    "高村",
    "庙口",
    "桥盟",
    "黄洞",
    "白寺",
]
COMMUNITY_PARTS = [
    "桃园",
    "华夏",
    "福源",
    "兴安",
    "阳光",
    "和平",
    "光明",
    "嘉禾",
    "建业",
    "迎宾",
    "泰山",
    "青年",
]
VILLAGE_PARTS = ["东", "西", "南", "北", "前", "后", "大", "小", "张", "李", "王", "刘"]
DEPARTMENTS = [
    ("police", "公安", ["0101", "0102", "5601", "5602"]),
    ("civil", "民政", ["0301", "0302", "5610"]),
    ("housing", "住建", ["0201", "0202", "5605"]),
    ("urban", "城管", ["0401", "0402", "0403"]),
    ("environment", "生态环境", ["0501", "0502"]),
    ("market", "市场监管", ["0601", "0602", "5612"]),
    ("emergency", "应急管理", ["0701", "0702"]),
]
# Grids are laid out as squares of this many degrees in a row inside their community's cell.
GRID_SIZE = 0.003


@dataclass
class DemoSummary:
    already_loaded: bool
    password: str
    regions: Counter[str] = field(default_factory=Counter)
    departments: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)


def _square(lat: float, lng: float, size: float) -> dict[str, object]:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _regions() -> list[Region]:
    rng = random.Random(4106)  # noqa: S311 - a fixed city, not a secret
    code, name, lat, lng = CITY
    regions = [Region(code=code, name=name, level=Level.CITY, centre_lat=lat, centre_lng=lng)]
    for d_code, d_name, d_lat, d_lng, kind in DISTRICTS:
        regions.append(
            Region(
                code=d_code,
                parent_code=code,
                name=d_name,
                level=Level.DISTRICT,
                urban_rural=kind,
                centre_lat=d_lat,
                centre_lng=d_lng,
            )
        )
        urban = kind is UrbanRural.URBAN
        for t in range(1, rng.randint(3, 5) + 1):
            t_code = f"{d_code}{t:03d}"
            t_name = f"{rng.choice(STREET_PARTS)}街道" if urban else f"{rng.choice(TOWN_PARTS)}镇"
            t_lat, t_lng = d_lat + 0.03 * (t - 3), d_lng
            regions.append(
                Region(
                    code=t_code,
                    parent_code=d_code,
                    name=t_name,
                    level=Level.TOWNSHIP,
                    urban_rural=kind,
                    centre_lat=t_lat,
                    centre_lng=t_lng,
                )
            )
            for c in range(1, rng.randint(3, 6) + 1):
                c_code = f"{t_code}{c:03d}"
                c_name = (
                    f"{rng.choice(COMMUNITY_PARTS)}社区"
                    if urban
                    else f"{rng.choice(VILLAGE_PARTS)}{rng.choice(TOWN_PARTS)}村"
                )
                # Each community owns a row of grid squares; rows never overlap.
                c_lat, c_lng = t_lat + (c - 1) * GRID_SIZE * 1.5, t_lng
                grids = rng.randint(3, 6)
                community = Region(
                    code=c_code,
                    parent_code=t_code,
                    name=c_name,
                    level=Level.COMMUNITY,
                    urban_rural=kind,
                    centre_lat=c_lat + GRID_SIZE / 2,
                    centre_lng=c_lng + grids * GRID_SIZE / 2,
                )
                regions.append(community)
                for g in range(1, grids + 1):
                    households = rng.randint(200, 500)
                    community.households += households
                    g_lng = c_lng + (g - 1) * GRID_SIZE
                    regions.append(
                        Region(
                            code=f"{c_code}{g:03d}",
                            parent_code=c_code,
                            name=f"{c_name}第{g}网格",
                            level=Level.GRID,
                            urban_rural=kind,
                            households=households,
                            centre_lat=c_lat + GRID_SIZE / 2,
                            centre_lng=g_lng + GRID_SIZE / 2,
                            boundary=_square(c_lat, g_lng, GRID_SIZE),
                        )
                    )
    by_code = {region.code: region for region in regions}
    for region in sorted(regions, key=lambda r: -len(r.code)):
        if region.parent_code and region.level is not Level.GRID:  # grids counted above
            by_code[region.parent_code].households += region.households
    return regions


async def load_demo_city(*, password: str | None = None) -> DemoSummary:
    """Load the demo city once; a second call changes nothing."""
    password = password or DEFAULT_PASSWORD
    if await Region.exists(code=CITY[0]):
        return DemoSummary(already_loaded=True, password=password)
    auth.check_password_strength(password, username="")
    password_hash = auth.hash_password(password)  # once: argon2 is slow by design
    regions = _regions()
    departments = [
        Department(
            region_code=region_code, code=code, name=f"{name_of}{label}", categories=categories
        )
        for region_code, name_of in [(CITY[0], CITY[1]), *((d[0], d[1]) for d in DISTRICTS)]
        for code, label, categories in DEPARTMENTS
    ]
    township = "410611001"
    community = f"{township}001"
    grid = f"{community}001"
    police = next(d for d in departments if d.region_code == "410611" and d.code == "police")
    people: list[tuple[str, str, str, str, object]] = [
        ("admin", "市平台管理员", "admin", CITY[0], None),
        ("city", "市指挥中心", "city_command", CITY[0], None),
        ("leader", "市领导", "leader", CITY[0], None),
        ("citizen", "市民", "citizen", CITY[0], None),
        ("qibin.admin", "淇滨区管理员", "admin", "410611", None),
        ("qibin.command", "淇滨区指挥中心", "district_command", "410611", None),
        ("qibin.leader", "淇滨区领导", "leader", "410611", None),
        ("qibin.police", "淇滨公安分局", "department_staff", "410611", police.id),
        (f"t{township}.centre", "街道综治中心", "township_centre", township, None),
        (f"c{community}.staff", "社区工作人员", "community_staff", community, None),
        (f"g{grid}.worker", "网格员", "grid_worker", grid, None),
        (f"g{grid}.leader", "网格长", "grid_leader", grid, None),
        ("g410611002001001.worker", "网格员（另一街道）", "grid_worker", "410611002001001", None),
    ]
    users = [User(username=u, display_name=n, password_hash=password_hash) for u, n, *_ in people]
    async with in_transaction():
        await Region.bulk_create(regions, batch_size=1000)
        await Department.bulk_create(departments)
        await User.bulk_create(users)
        await RoleAssignment.bulk_create(
            [
                RoleAssignment(
                    user_id=user.id, role=role, region_code=code, department_id=department
                )
                for user, (_, _, role, code, department) in zip(users, people, strict=True)
            ]
        )
        await region_search.backfill()  # the regions' and departments' pinyin keys
    return DemoSummary(
        already_loaded=False,
        password=password,
        regions=Counter(region.level.value for region in regions),
        departments=len(departments),
        users=[(u, role, code) for u, _, role, code, _ in people],
    )


def format_summary(summary: DemoSummary) -> str:
    if summary.already_loaded:
        return "demo city 鹤壁市 (4106) already loaded"
    counts = ", ".join(f"{summary.regions[level.value]} {level.value}" for level in Level)
    lines = [
        f"loaded demo city 鹤壁市 (4106): {counts}; {summary.departments} departments",
        "",
        f"{'username':<28} {'role':<18} region",
        f"{'-' * 28} {'-' * 18} {'-' * 15}",
    ]
    lines += [f"{u:<28} {role:<18} {code}" for u, role, code in summary.users]
    lines += ["", f"password of every demo user: {summary.password}"]
    return "\n".join(lines)
