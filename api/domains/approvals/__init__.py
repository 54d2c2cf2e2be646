"""Administrative approval (行政审批) and risk assessment of major decisions (风险评估)."""
