using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using DataGuard.Postgres.Catalog;
using DataGuard.Retention;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>Checks a policy against the catalog and compiles it to a <see cref="RetentionPlan"/>; every error names the policy.</summary>
internal sealed class RetentionPlanner(IEnumerable<RetentionPredicate> predicates, RetentionOptions options, Export.ExportOptions export)
{
    private static readonly string[] TimeTypes = ["date", "timestamp without time zone", "timestamp with time zone"];
    private static readonly string[] MarkerTypes = ["timestamp without time zone", "timestamp with time zone", "boolean"];
    private Dictionary<string, List<string>>? _held;
    private StrongBox<Export.SubjectDataMap?>? _subjectHolds;

    public async Task<RetentionPlan> PlanAsync(NpgsqlConnection connection, RetentionPolicyOptions policy, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var table = await PgCatalog.FindTableAsync(connection, policy.Table, cancellationToken).ConfigureAwait(false)
            ?? throw Fail(policy, $"the table {policy.Table} does not exist.");
        var timestamp = RequireColumn(policy, table, policy.TimestampColumn);
        if (!TimeTypes.Contains(timestamp.Type, StringComparer.Ordinal))
        {
            throw Fail(policy, $"{policy.Table}.{timestamp.Name} is {timestamp.Type}, not a date, timestamp or timestamptz.");
        }

        var plan = new RetentionPlan(policy, table, timestamp, cutoff);
        var expired = new StringBuilder($"{plan.TimestampSql} < @cutoff");
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
                await CompileAnonymizeAsync(connection, plan, cancellationToken).ConfigureAwait(false);
                break;
            case RetentionAction.DropPartitions when !table.IsPartitioned:
                throw Fail(policy, $"DropPartitions needs a partitioned table; {policy.Table} is not one.");
            case RetentionAction.DropPartitions:
                await RequireRangeKeyAsync(connection, plan, cancellationToken).ConfigureAwait(false);
                break;
            default:
                break;
        }

        var referencing = await PgCatalog.ForeignKeysAsync(connection, table.QualifiedName, cancellationToken).ConfigureAwait(false);
        await AddHoldsAsync(connection, plan, referencing, cancellationToken).ConfigureAwait(false);
        if (policy.Action is RetentionAction.Delete or RetentionAction.ArchiveThenDelete)
        {
            AddReferences(plan, referencing);
        }

        return plan;
    }

    internal static DataGuardException Fail(IRetentionPolicy policy, string message) =>
        new($"Retention policy '{policy.Name}': {message}") { Operation = "retention" };

    private static PgColumn RequireColumn(IRetentionPolicy policy, PgTable table, string column) =>
        table.Column(column) ?? throw Fail(policy, $"the table {table.QualifiedName} has no column '{column}' (it does not exist).");

    private static string Condition(RetentionPlan plan, RetentionCondition condition)
    {
        var column = RequireColumn(plan.Policy, plan.Table, condition.Column);
        var sql = $"t.{PgIdentifiers.Quote(column.Name)}";
        string Value() => $"{plan.AddParameter(condition.Value!)}::{column.Type}";
        string Values() => $"{plan.AddParameter(condition.Values.ToArray())}::{column.Type}[]";
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

    private async Task CompileAnonymizeAsync(NpgsqlConnection connection, RetentionPlan plan, CancellationToken cancellationToken)
    {
        var policy = plan.Policy;
        var assignments = new List<string>();
        var unprocessed = new List<string>();
        string? inner = null, outer = null;
        foreach (var rule in policy.Anonymize)
        {
            var column = RequireColumn(policy, plan.Table, rule.Column);
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
            if (!MarkerTypes.Contains(marker.Type, StringComparer.Ordinal))
            {
                throw Fail(policy, $"MarkerColumn {plan.Table.QualifiedName}.{marker.Name} is {marker.Type}; it must be a timestamptz, timestamp or boolean.");
            }

            var isBoolean = marker.Type == "boolean";
            assignments.Add($"{PgIdentifiers.Quote(marker.Name)} = {(isBoolean ? "true" : "now()")}");
            plan.NotProcessed = $" AND t.{PgIdentifiers.Quote(marker.Name)} {(isBoolean ? "IS NOT TRUE" : "IS NULL")}";
        }
        else
        {
            plan.NotProcessed = $" AND ({string.Join(" OR ", unprocessed)})";
        }

        plan.Assignments = string.Join(", ", assignments);
    }

    private async Task AddHoldsAsync(NpgsqlConnection connection, RetentionPlan plan, IReadOnlyList<PgForeignKey> children, CancellationToken cancellationToken)
    {
        // The holds are read once per planner (one run), not once per policy.
        _held ??= await LegalHoldPredicates.ActiveColumnsAsync(connection, cancellationToken).ConfigureAwait(false);
        _subjectHolds ??= new(await LegalHoldPredicates.SubjectHoldMapAsync(connection, export, cancellationToken).ConfigureAwait(false));
        var held = _held;
        plan.NotHeld = LegalHoldPredicates.NotHeld(plan.Table, "t", held, plan.Policy) + LegalHoldPredicates.NotHeldBySubject(_subjectHolds.Value, plan.Table);

        // A parent row whose referencing rows are held stays too (deleting it would cascade into held rows).
        if (plan.Policy.Action is RetentionAction.Anonymize)
        {
            return;
        }

        var parts = new StringBuilder();
        foreach (var key in children.Where(k => held.ContainsKey(k.Child)))
        {
            var child = await PgCatalog.FindTableAsync(connection, key.Child, cancellationToken).ConfigureAwait(false);
            if (child is null)
            {
                continue;
            }

            var childHeld = LegalHoldPredicates.Held(child, "c", held, plan.Policy);
            parts.Append($" AND NOT EXISTS (SELECT 1 FROM {child.Quoted} c WHERE {key.JoinCondition("c", "t")} AND ({childHeld}))");
        }

        plan.ChildrenNotHeld = parts.ToString();
    }

    private static void AddReferences(RetentionPlan plan, IReadOnlyList<PgForeignKey> keys)
    {
        var parts = new StringBuilder();
        foreach (var key in keys)
        {
            if (key.Cascades)
            {
                plan.Cascading.Add(key);
                continue;
            }

            // Deleting a row still referenced through NO ACTION / RESTRICT would fail the batch: keep it and report it.
            plan.Restricting.Add(key);
            var (schema, name) = PgIdentifiers.SplitQualified(key.Child)!.Value;
            var self = string.Equals(key.Child, plan.Table.QualifiedName, StringComparison.Ordinal) ? $" AND r.ctid <> t.ctid" : string.Empty;
            parts.Append($" AND NOT EXISTS (SELECT 1 FROM {PgIdentifiers.QuoteQualified(schema, name)} r WHERE {key.JoinCondition("r", "t")}{self})");
        }

        plan.NotReferenced = parts.ToString();
    }
}
