"""Party work (党建): the yearly democratic appraisal of party members per branch (民主评议党员),
the year-end appraisal of branches (年终考评) with the satisfaction of their region, and the
roster of college-graduate village officials (大学生村官)."""
