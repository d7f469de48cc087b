sw (r2-4), r1
