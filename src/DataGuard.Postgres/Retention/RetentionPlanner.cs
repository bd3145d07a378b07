using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using DataGuard.Postgres.Catalog;
using DataGuard.Retention;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>Checks a policy against the catalog and compiles it to a <see cref="RetentionPlan"/>; every error names the policy.</summary>
internal sealed class RetentionPlanner(IEnumerable<RetentionPredicate> predicates, RetentionOptions options, string defaultZone)
{
    private static readonly string[] TimeTypes = ["date", "timestamp without time zone", "timestamp with time zone"];
    private static readonly string[] MarkerTypes = ["timestamp without time zone", "timestamp with time zone", "boolean"];

    public async Task<RetentionPlan> PlanAsync(NpgsqlConnection connection, RetentionPolicyOptions policy, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var graph = await PgRelationGraph.ReadAsync(connection, [policy.Table], [], null, cancellationToken).ConfigureAwait(false);
        var relation = graph.Find(policy.Table) ?? throw Fail(policy, $"the table {policy.Table} does not exist.");
        var (includes, identity) = Scope(policy, graph, relation);
        var leaves = (includes ? graph.Descendants(relation.Oid).Append(relation) : [relation]).Where(r => r.IsHeapTable).OrderBy(r => r.Oid).ToList();
        var table = await PgCatalog.FindTableAsync(connection, policy.Table, cancellationToken).ConfigureAwait(false)
            ?? throw Fail(policy, $"the table {policy.Table} does not exist.");
        var timestamp = RequireColumn(policy, table, policy.TimestampColumn);
        if (!TimeTypes.Contains(timestamp.BaseType, StringComparer.Ordinal))
        {
            throw Fail(policy, $"{policy.Table}.{timestamp.Name} is {timestamp.Type}, not a date, timestamp or timestamptz.");
        }

        var zone = await RequireZoneAsync(connection, policy, cancellationToken).ConfigureAwait(false);
        var reachable = Reachable(graph, relation);
        await ActiveHolds.RequireValidValuesAsync(connection, $"Retention policy '{policy.Name}'", oid => oid == relation.Oid || (graph.Find(oid) is not null && reachable.Contains(graph.Family(oid))), cancellationToken).ConfigureAwait(false);
        var plan = new RetentionPlan(policy, table, relation, includes, timestamp, cutoff, zone) { RowIdentity = identity, Leaves = leaves };
        var expired = new StringBuilder(plan.ExpiredSql(plan.TimestampSql));
        foreach (var condition in policy.Conditions)
        {
            expired.Append(" AND ").Append(Condition(plan, condition));
        }

        if (policy.Predicate is { } name)
        {
            var predicate = predicates.LastOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal))
                ?? throw Fail(policy, $"the predicate '{name}' is not registered.");
            expired.Append(" AND (").Append(predicate.Sql).Append(')');
        }

        plan.Expired = expired.ToString();
        switch (policy.Action)
        {
            case RetentionAction.Anonymize:
                await CompileAnonymizeAsync(connection, plan, graph, cancellationToken).ConfigureAwait(false);
                break;
            case RetentionAction.DropPartitions when !relation.IsPartitioned:
                throw Fail(policy, $"DropPartitions needs a partitioned table; {policy.Table} is not one.");
            case RetentionAction.DropPartitions:
                await RequireRangeKeyAsync(connection, plan, cancellationToken).ConfigureAwait(false);
                break;
            default:
                break;
        }

        return plan;
    }

    /// <summary>
    /// Which rows the policy reads, and how it tells them apart: <c>ctid</c> in the table alone when no table inherits
    /// from it (or <see cref="RetentionPolicyOptions.IncludeInheritedTables"/> is false), else <c>(tableoid, ctid)</c>
    /// across the table and its descendants (ctids repeat from one table to the next). Relations whose rows have no
    /// stable ctid (foreign tables, other access methods) are refused.
    /// </summary>
    internal static (bool Includes, string Identity) Scope(RetentionPolicyOptions policy, PgRelationGraph graph, PgRelation relation)
    {
        if (relation.Schema == "dataguard")
        {
            throw Fail(policy, $"{relation.QualifiedName} is one of DataGuard's own tables (legal holds, audit trails, the migration ledger); retention never touches them.");
        }

        if (relation.Kind is not ('r' or 'p'))
        {
            throw Fail(policy, $"{relation.QualifiedName} is a {relation.KindName}; retention acts on tables (plain, partitioned, or with inheritance children).");
        }

        if (relation.IsPartitioned && !policy.IncludeInheritedTables)
        {
            throw Fail(policy, $"IncludeInheritedTables is false, but {relation.QualifiedName} is partitioned: its rows live in its partitions.");
        }

        var descendants = graph.Descendants(relation.Oid);
        var includes = relation.IsPartitioned || (policy.IncludeInheritedTables && descendants.Count > 0);
        var scope = includes ? descendants.Append(relation).ToList() : [relation];
        if (scope.Where(r => r.Kind == 'f').Select(r => r.QualifiedName).ToList() is { Count: > 0 } foreign)
        {
            throw Fail(policy, $"{relation.QualifiedName} has foreign tables among the tables that inherit from it ({string.Join(", ", foreign)}): their rows cannot be identified safely. Set IncludeInheritedTables to false to act on {relation.QualifiedName}'s own rows only, or give each local child its own policy.");
        }

        if (scope.FirstOrDefault(r => r.Kind == 'r' && !r.IsHeapTable) is { } other)
        {
            throw Fail(policy, $"{other.QualifiedName} uses the table access method '{other.AccessMethod}'; retention identifies rows by ctid, which only heap tables guarantee.");
        }

        if (!includes)
        {
            return (false, descendants.Count == 0
                ? $"ctid in ONLY {relation.QualifiedName} (no table inherits from it)"
                : $"ctid in ONLY {relation.QualifiedName} (the {descendants.Count} table(s) inheriting from it are left out: IncludeInheritedTables is false)");
        }

        var leaves = descendants.Count(d => d.Kind == 'r');
        return (true, relation.IsPartitioned
            ? $"(tableoid, ctid) across the {leaves} partition(s) of {relation.QualifiedName} (ctids repeat from one partition to the next)"
            : $"(tableoid, ctid) across {relation.QualifiedName} and the {descendants.Count} table(s) inheriting from it (ctids repeat from one table to the next)");
    }

    /// <summary>The families whose holds can keep the policy's rows: its own, and those that reference it through any chain of keys.</summary>
    private static HashSet<uint> Reachable(PgRelationGraph graph, PgRelation relation)
    {
        var families = new HashSet<uint> { graph.Family(relation.Oid) };
        for (var grown = true; grown;)
        {
            grown = false;
            foreach (var key in graph.References)
            {
                grown |= families.Contains(graph.Family(key.Parent)) && families.Add(graph.Family(key.Child));
            }
        }

        return families;
    }

    private async Task<string> RequireZoneAsync(NpgsqlConnection connection, RetentionPolicyOptions policy, CancellationToken cancellationToken)
    {
        var zone = string.IsNullOrWhiteSpace(policy.TimeZone) ? defaultZone : policy.TimeZone;
        // Only zone names: PostgreSQL also parses offsets ('-05:00', 'UTC-5'), POSIX-style, as east of UTC: the sign
        // most people mean is the opposite one.
        var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = @zone)", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("zone", zone);
        if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            throw Fail(policy, $"TimeZone '{zone}' is not a time zone name PostgreSQL knows (pg_timezone_names, e.g. 'America/New_York'); offsets such as '-05:00' are refused because PostgreSQL reads their sign POSIX-style, the other way round.");
        }

        return zone;
    }

    internal static DataGuardException Fail(IRetentionPolicy policy, string message) =>
        new($"Retention policy '{policy.Name}': {message}") { Operation = "retention" };

    private static PgColumn RequireColumn(IRetentionPolicy policy, PgTable table, string column) =>
        table.Column(column) ?? throw Fail(policy, $"the table {table.QualifiedName} has no column '{column}' (it does not exist).");

    private static string Condition(RetentionPlan plan, RetentionCondition condition)
    {
        var column = RequireColumn(plan.Policy, plan.Table, condition.Column);
        var sql = $"t.{PgIdentifiers.Quote(column.Name)}";
        // Cast to the type without its modifier: 9.995 stays 9.995 for a numeric(10,2) column, a long text stays whole for varchar(3).
        string Value() => $"{plan.AddParameter(condition.Value!)}::{column.BaseType}";
        string Values() => $"{plan.AddParameter(condition.Values.ToArray())}::{column.BaseType}[]";
        return condition.Operator switch
        {
            RetentionOperator.Equal => $"{sql} = {Value()}",
            RetentionOperator.NotEqual => $"{sql} <> {Value()}",
            RetentionOperator.LessThan => $"{sql} < {Value()}",
            RetentionOperator.LessThanOrEqual => $"{sql} <= {Value()}",
            RetentionOperator.GreaterThan => $"{sql} > {Value()}",
            RetentionOperator.GreaterThanOrEqual => $"{sql} >= {Value()}",
            RetentionOperator.In => $"{sql} = ANY({Values()})",
            RetentionOperator.NotIn => $"NOT ({sql} = ANY({Values()}))",
            RetentionOperator.IsNull => $"{sql} IS NULL",
            RetentionOperator.IsNotNull => $"{sql} IS NOT NULL",
            _ => throw Fail(plan.Policy, $"the operator '{condition.Operator}' is unknown."),
        };
    }

    private static async Task RequireRangeKeyAsync(NpgsqlConnection connection, RetentionPlan plan, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT pg_get_partkeydef(@oid) = 'RANGE (' || quote_ident(@column) || ')', pg_get_partkeydef(@oid)", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, plan.Table.Oid);
        command.Parameters.AddWithValue("column", plan.Timestamp.Name);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!reader.GetBoolean(0))
        {
            throw Fail(plan.Policy, $"DropPartitions needs {plan.Table.QualifiedName} partitioned BY RANGE ({plan.Timestamp.Name}); it is partitioned {reader.GetString(1)}.");
        }
    }

    private static async Task<bool> FunctionExistsAsync(NpgsqlConnection connection, string qualified, CancellationToken cancellationToken)
    {
        var (schema, name) = PgIdentifiers.SplitQualified(qualified)!.Value;
        var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = @s AND p.proname = @f AND p.pronargs = 1)", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("s", schema);
        command.Parameters.AddWithValue("f", name);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static bool IsText(string type) =>
        type is "text" || type.StartsWith("character varying", StringComparison.Ordinal) || type.StartsWith("character", StringComparison.Ordinal) || type is "citext";

    /// <summary>The inner and outer padded keys of HMAC-SHA256 (RFC 2104), so that PostgreSQL's sha256() computes the HMAC without pgcrypto.</summary>
    private static (byte[] Inner, byte[] Outer) HmacPads(string secret)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        if (key.Length > 64)
        {
            key = SHA256.HashData(key);
        }

        var inner = new byte[64];
        var outer = new byte[64];
        for (var i = 0; i < 64; i++)
        {
            var b = i < key.Length ? key[i] : (byte)0;
            inner[i] = (byte)(b ^ 0x36);
            outer[i] = (byte)(b ^ 0x5c);
        }

        return (inner, outer);
    }

    private async Task CompileAnonymizeAsync(NpgsqlConnection connection, RetentionPlan plan, PgRelationGraph graph, CancellationToken cancellationToken)
    {
        var policy = plan.Policy;
        var family = graph.Family(plan.Relation.Oid);
        var assignments = new List<string>();
        var unprocessed = new List<string>();
        string? inner = null, outer = null;
        foreach (var rule in policy.Anonymize)
        {
            var column = RequireColumn(policy, plan.Table, rule.Column);
            if (graph.References.FirstOrDefault(r => graph.Family(r.Parent) == family && r.ParentColumns.Contains(column.Name)) is { } key)
            {
                throw Fail(policy, $"{plan.Table.QualifiedName}.{column.Name} is referenced by the foreign key {key.Name} of {graph.Find(key.Child)?.QualifiedName}; anonymizing it would change or break those references.");
            }

            var target = PgIdentifiers.Quote(column.Name);
            var current = $"t.{target}";
            switch (rule.Method)
            {
                case AnonymizeMethod.Null when column.NotNull:
                    throw Fail(policy, $"{plan.Table.QualifiedName}.{column.Name} is NOT NULL; it cannot be set to null.");
                case AnonymizeMethod.Null:
                    assignments.Add($"{target} = NULL");
                    unprocessed.Add($"{current} IS NOT NULL");
                    break;
                case AnonymizeMethod.Fixed:
                    var value = $"{plan.AddParameter(rule.Value!)}::{column.Type}";
                    assignments.Add($"{target} = {value}");
                    unprocessed.Add($"{current} IS DISTINCT FROM {value}");
                    break;
                case AnonymizeMethod.Hmac when !IsText(column.Type):
                    throw Fail(policy, $"Hmac needs a text column; {plan.Table.QualifiedName}.{column.Name} is {column.Type}.");
                case AnonymizeMethod.Hmac:
                    if (inner is null)
                    {
                        var pads = HmacPads(options.HmacKey ?? throw Fail(policy, $"Hmac needs {RetentionOptions.SectionPath}:HmacKey."));
                        inner = plan.AddParameter(pads.Inner);
                        outer = plan.AddParameter(pads.Outer);
                    }

                    assignments.Add($"{target} = CAST(encode(sha256({outer} || sha256({inner} || convert_to({current}::text, 'UTF8'))), 'hex') AS {column.Type})");
                    break;
                case AnonymizeMethod.Function:
                    if (!await FunctionExistsAsync(connection, rule.Function!, cancellationToken).ConfigureAwait(false))
                    {
                        throw Fail(policy, $"the function {rule.Function} (of one argument) does not exist.");
                    }

                    var (schema, name) = PgIdentifiers.SplitQualified(rule.Function!)!.Value;
                    assignments.Add($"{target} = CAST({PgIdentifiers.QuoteQualified(schema, name)}({current}) AS {column.Type})");
                    break;
                default:
                    throw Fail(policy, $"the method '{rule.Method}' is unknown.");
            }
        }

        if (policy.MarkerColumn is { } markerName)
        {
            var marker = RequireColumn(policy, plan.Table, markerName);
            if (!MarkerTypes.Contains(marker.BaseType, StringComparer.Ordinal))
            {
                throw Fail(policy, $"MarkerColumn {plan.Table.QualifiedName}.{marker.Name} is {marker.Type}; it must be a timestamptz, timestamp or boolean.");
            }

            var isBoolean = marker.BaseType == "boolean";
            assignments.Add($"{PgIdentifiers.Quote(marker.Name)} = {(isBoolean ? "true" : "now()")}");
            plan.NotProcessed = $" AND t.{PgIdentifiers.Quote(marker.Name)} {(isBoolean ? "IS NOT TRUE" : "IS NULL")}";
        }
        else
        {
            plan.NotProcessed = $" AND ({string.Join(" OR ", unprocessed)})";
        }

        plan.Assignments = string.Join(", ", assignments);
    }
}
