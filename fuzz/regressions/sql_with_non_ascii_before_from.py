def name(conn, uid):
    cur = conn.execute("SELECT name AS prénom FROM users WHERE id = ?", (uid,))
    return cur.fetchone()[0]
