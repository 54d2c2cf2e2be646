"""Community services (社区服务), appointments (预约联动) and service teams (服务团队)."""
