using DataGuard.Postgres.Catalog;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// A policy compiled against the catalog: every identifier comes from the catalog and is quoted, every configured
/// value is a parameter. The fragments use the alias <c>t</c> for the policy's table.
/// </summary>
internal sealed class RetentionPlan
{
    private readonly List<(string Name, object Value)> _parameters = [];

    public RetentionPlan(RetentionPolicyOptions policy, PgTable table, PgColumn timestamp, DateTimeOffset cutoff)
    {
        Policy = policy;
        Table = table;
        Timestamp = timestamp;
        Cutoff = cutoff;
        _parameters.Add(("cutoff", cutoff));
    }

    public RetentionPolicyOptions Policy { get; }

    public PgTable Table { get; }

    public PgColumn Timestamp { get; }

    public DateTimeOffset Cutoff { get; }

    /// <summary>Gets the timestamp column as <c>t."column"</c>.</summary>
    public string TimestampSql => $"t.{PgIdentifiers.Quote(Timestamp.Name)}";

    /// <summary>Gets or sets the expiry test plus the configured conditions and predicate.</summary>
    public string Expired { get; set; } = string.Empty;

    /// <summary>Gets or sets the rows' own legal holds, as <c> AND ...</c> (empty without holds).</summary>
    public string NotHeld { get; set; } = string.Empty;

    /// <summary>Gets or sets the rows whose referencing rows are held, as <c> AND ...</c>.</summary>
    public string ChildrenNotHeld { get; set; } = string.Empty;

    /// <summary>Gets or sets the rows still referenced through NO ACTION / RESTRICT keys, as <c> AND ...</c> (deleting actions only).</summary>
    public string NotReferenced { get; set; } = string.Empty;

    /// <summary>Gets or sets the rows an Anonymize policy has not processed yet, as <c> AND ...</c>.</summary>
    public string NotProcessed { get; set; } = string.Empty;

    /// <summary>Gets or sets the SET list of an Anonymize policy.</summary>
    public string Assignments { get; set; } = string.Empty;

    /// <summary>Gets the keys whose deletes change other tables.</summary>
    public List<PgForeignKey> Cascading { get; } = [];

    /// <summary>Gets the keys that keep referenced rows.</summary>
    public List<PgForeignKey> Restricting { get; } = [];

    /// <summary>Gets the expired rows: <c>FROM table t WHERE ...</c>.</summary>
    public string FromExpired => $"FROM {Table.Quoted} t WHERE {Expired}";

    /// <summary>Gets the rows the action affects.</summary>
    public string FromAffected => FromExpired + NotHeld + ChildrenNotHeld + NotReferenced + NotProcessed;

    public string AddParameter(object value)
    {
        var name = $"p{_parameters.Count}";
        _parameters.Add((name, value));
        return "@" + name;
    }

    public NpgsqlCommand Command(string sql, NpgsqlConnection connection, NpgsqlTransaction? transaction = null)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in _parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
