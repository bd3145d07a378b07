using DataGuard.Postgres.Catalog;
using DataGuard.Retention;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// SQL over the foreign-key graph, for one row <c>(tableoid, ctid)</c>, at any depth (recursive, cycles included):
/// whether a held row references it, directly or through other rows (then deleting or anonymizing it would touch a
/// row a held row needs, or the held row itself through a cascade); and whether deleting it would fail (a row still
/// references it, or a row its cascade deletes, through NO ACTION or RESTRICT). A foreign key declared on a
/// partitioned table covers its partitions; one declared on a plain table covers that table's own rows only, as
/// PostgreSQL enforces them. Only the keys on a path to a held (or restricting) table take part.
/// </summary>
internal sealed class ReferenceSql(PgRelationGraph graph, HoldSql holds, IRetentionPolicy policy)
{
    /// <summary>SQL true when some held row references the row <paramref name="alias"/> (read through <paramref name="relation"/>) through any chain of keys; <see langword="null"/> when none can.</summary>
    public string? NeededByHold(PgRelation relation, string alias)
    {
        var edges = Relevant(relation, graph.References, holds.Families);
        if (edges.Count == 0)
        {
            return null;
        }

        var steps = string.Join(" UNION ALL ", edges.Select(e => Step(e, c => holds.Held(c, "dg_c", c.IsPartitioned, policy) ?? "false")));
        return $"EXISTS (WITH RECURSIVE dg_reach(rel, tid, held) AS (SELECT {alias}.tableoid, {alias}.ctid, false UNION "
            + $"SELECT dg_s.rel, dg_s.tid, dg_s.held FROM dg_reach dg_r CROSS JOIN LATERAL ({steps}) dg_s(rel, tid, held)) SELECT 1 FROM dg_reach WHERE dg_reach.held)";
    }

    /// <summary>A query of the ids of the holds on rows that reference the row <paramref name="alias"/> through any chain of keys; <see langword="null"/> when none can.</summary>
    public string? NeededByHoldIds(PgRelation relation, string alias)
    {
        var edges = Relevant(relation, graph.References, holds.Families);
        if (edges.Count == 0)
        {
            return null;
        }

        var steps = string.Join(" UNION ALL ", edges.Select(e => Step(e, c => holds.HeldIds(c, "dg_c", c.IsPartitioned, policy) is { } ids ? $"ARRAY({ids})" : "'{}'::bigint[]")));
        return $"WITH RECURSIVE dg_reach(rel, tid, holds) AS (SELECT {alias}.tableoid, {alias}.ctid, '{{}}'::bigint[] UNION "
            + $"SELECT dg_s.rel, dg_s.tid, dg_s.holds FROM dg_reach dg_r CROSS JOIN LATERAL ({steps}) dg_s(rel, tid, holds)) SELECT unnest(dg_reach.holds) FROM dg_reach";
    }

    /// <summary>
    /// SQL true when deleting the row <paramref name="alias"/> would fail: a row outside what the delete removes
    /// (the row and its cascades) references it or a cascaded row through NO ACTION, through RESTRICT at all, or
    /// through SET NULL on a NOT NULL column; <see langword="null"/> when nothing can.
    /// </summary>
    public string? Restricted(PgRelation relation, string alias)
    {
        var cascades = graph.References.Where(r => r.OnDelete == PgDeleteRule.Cascade).ToList();
        var reached = Forward(relation, cascades);
        var blocking = graph.References
            .Where(r => r.OnDelete is PgDeleteRule.NoAction or PgDeleteRule.Restrict || (r.OnDelete == PgDeleteRule.SetNull && r.ChildColumnsNotNull))
            .Where(r => reached.Contains(graph.Family(r.Parent)))
            .ToList();

        // The row ON DELETE SET DEFAULT points to (a "deleted user" sentinel) stays: deleting it makes every later delete fail.
        var defaults = graph.References.Where(r => r.DefaultTarget is not null && reached.Contains(graph.Family(r.Parent))).ToList();
        if (blocking.Count == 0 && defaults.Count == 0)
        {
            return null;
        }

        var deleted = Relevant(relation, cascades, blocking.Concat(defaults).Select(r => graph.Family(r.Parent)));
        var anchor = $"SELECT {alias}.tableoid, {alias}.ctid";
        var del = deleted.Count == 0
            ? $"dg_del(rel, tid) AS ({anchor})"
            : $"RECURSIVE dg_del(rel, tid) AS ({anchor} UNION SELECT dg_s.rel, dg_s.tid FROM dg_del dg_r CROSS JOIN LATERAL ({string.Join(" UNION ALL ", deleted.Select(e => Step(e, null)))}) dg_s(rel, tid))";
        var checks = blocking.Select(r =>
        {
            var outside = r.OnDelete == PgDeleteRule.NoAction
                ? "NOT EXISTS (SELECT 1 FROM dg_del dg_x WHERE dg_x.rel = dg_c.tableoid AND dg_x.tid = dg_c.ctid)"
                : "NOT (dg_c.tableoid = dg_d.rel AND dg_c.ctid = dg_d.tid)";
            return $"EXISTS (SELECT 1 {Join(r)} WHERE dg_p.tableoid = dg_d.rel AND dg_p.ctid = dg_d.tid AND {outside})";
        }).Concat(defaults.Select(r =>
        {
            var parent = graph.Find(r.Parent)!;
            var key = string.Join(", ", r.ParentColumns.Select(c => $"dg_p.{PgIdentifiers.Quote(c)}"));
            return $"EXISTS (SELECT 1 FROM {parent.KeyScope} dg_p WHERE dg_p.tableoid = dg_d.rel AND dg_p.ctid = dg_d.tid AND ({key}) IS NOT DISTINCT FROM ({string.Join(", ", r.DefaultTarget!)}))";
        }));
        return $"EXISTS (WITH {del} SELECT 1 FROM dg_del dg_d WHERE {string.Join(" OR ", checks)})";
    }

    /// <summary>SQL true when any row references the row <paramref name="alias"/> through any key; <see langword="null"/> when no key can.</summary>
    public string? Referenced(PgRelation relation, string alias)
    {
        var checks = graph.References.Where(r => graph.Family(r.Parent) == graph.Family(relation.Oid))
            .Select(r => $"EXISTS (SELECT 1 {Join(r)} WHERE dg_p.tableoid = {alias}.tableoid AND dg_p.ctid = {alias}.ctid)").ToList();
        return checks.Count == 0 ? null : "(" + string.Join(" OR ", checks) + ")";
    }

    /// <summary>
    /// The keys of <paramref name="edges"/> that a walk from <paramref name="relation"/>'s rows (from referenced to
    /// referencing rows) can take on its way to a family in <paramref name="targets"/>.
    /// </summary>
    private List<PgReference> Relevant(PgRelation relation, IReadOnlyList<PgReference> edges, IEnumerable<uint> targets)
    {
        var forward = Forward(relation, edges);
        var backward = targets.ToHashSet();
        Grow(backward, edges, e => graph.Family(e.Child), e => graph.Family(e.Parent));
        return edges.Where(e => forward.Contains(graph.Family(e.Parent)) && backward.Contains(graph.Family(e.Child))).ToList();
    }

    /// <summary>The families a walk from <paramref name="relation"/>'s rows can reach through <paramref name="edges"/> (its own included).</summary>
    private HashSet<uint> Forward(PgRelation relation, IReadOnlyList<PgReference> edges)
    {
        var families = new HashSet<uint> { graph.Family(relation.Oid) };
        Grow(families, edges, e => graph.Family(e.Parent), e => graph.Family(e.Child));
        return families;
    }

    private static void Grow(HashSet<uint> families, IReadOnlyList<PgReference> edges, Func<PgReference, uint> from, Func<PgReference, uint> to)
    {
        bool grown;
        do
        {
            grown = false;
            foreach (var edge in edges)
            {
                if (families.Contains(from(edge)) && families.Add(to(edge)))
                {
                    grown = true;
                }
            }
        }
        while (grown);
    }

    /// <summary>One step of a walk: the rows that reference the row <c>dg_r</c> through <paramref name="reference"/>, with a third column when <paramref name="extra"/> is given.</summary>
    private string Step(PgReference reference, Func<PgRelation, string>? extra)
    {
        var parent = graph.Find(reference.Parent)!;
        var child = graph.Find(reference.Child)!;
        var third = extra is null ? string.Empty : ", " + extra(child);
        var onlyThis = parent.IsPartitioned ? string.Empty : $" AND dg_r.rel = {parent.Oid}::oid";
        return $"SELECT dg_c.tableoid, dg_c.ctid{third} {Join(reference)} WHERE dg_p.tableoid = dg_r.rel AND dg_p.ctid = dg_r.tid{onlyThis}";
    }

    /// <summary><c>FROM child dg_c JOIN parent dg_p ON ...</c>, each side read as its key covers it.</summary>
    private string Join(PgReference reference)
    {
        var parent = graph.Find(reference.Parent)!;
        var child = graph.Find(reference.Child)!;
        return $"FROM {child.KeyScope} dg_c JOIN {parent.KeyScope} dg_p ON {reference.JoinCondition("dg_c", "dg_p")}";
    }
}
