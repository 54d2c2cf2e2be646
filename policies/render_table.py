"""Print policy.csv as markdown tables: per object, roles × actions, cells = levels allowed."""

from __future__ import annotations

from collections import defaultdict

from api.regions import ORDER
from policies.enforcer import PolicyEnforcer


def render(enforcer: PolicyEnforcer | None = None) -> str:
    rules = (enforcer or PolicyEnforcer()).rules()
    cells: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    actions: dict[str, list[str]] = defaultdict(list)
    roles: list[str] = []
    for role, level, obj, action in rules:
        cells[obj][role][action].add(level)
        if action not in actions[obj]:
            actions[obj].append(action)
        if role not in roles:
            roles.append(role)
    order = [level.value for level in ORDER]
    out: list[str] = []
    for obj in cells:
        out.append(f"### {obj}\n")
        out.append("| role | " + " | ".join(actions[obj]) + " |")
        out.append("|---" * (len(actions[obj]) + 1) + "|")
        for role in roles:
            if role not in cells[obj]:
                continue
            row = [
                ", ".join(lv for lv in order if lv in cells[obj][role][a]) or "–"
                for a in actions[obj]
            ]
            out.append(f"| {role} | " + " | ".join(row) + " |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
