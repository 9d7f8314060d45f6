def f(cur):
    return cur.fetchone()[0]
