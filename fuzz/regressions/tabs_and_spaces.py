def f(cur):
	if cur:
	        return cur.fetchone()[0]
