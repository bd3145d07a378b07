using DataGuard.Postgres.Catalog;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// A policy compiled against the catalog: every identifier comes from the catalog and is quoted, every configured
/// value is a parameter. The fragments use the alias <c>t</c> for the policy's table. What keeps rows (holds,
/// references) is not here: <see cref="RetentionGuards"/> are rebuilt inside every batch.
/// </summary>
internal sealed class RetentionPlan
{
    private readonly List<(string Name, object Value)> _parameters = [];

    public RetentionPlan(RetentionPolicyOptions policy, PgTable table, PgRelation relation, bool includesDescendants, PgColumn timestamp, DateTimeOffset cutoff, string zone)
    {
        Policy = policy;
        Table = table;
        Relation = relation;
        IncludesDescendants = includesDescendants;
        Timestamp = timestamp;
        Cutoff = cutoff;
        Zone = zone;
        _parameters.Add(("cutoff", cutoff));
        _parameters.Add(("zone", zone));
    }

    public RetentionPolicyOptions Policy { get; }

    public PgTable Table { get; }

    /// <summary>Gets the policy's table in the relation graph (its oid pins it for the whole run).</summary>
    public PgRelation Relation { get; }

    /// <summary>Gets a value indicating whether the rows of the tables that inherit from the policy's table are included.</summary>
    public bool IncludesDescendants { get; }

    public PgColumn Timestamp { get; }

    public DateTimeOffset Cutoff { get; }

    /// <summary>Gets the time zone in which a <c>timestamp</c> or <c>date</c> column is read.</summary>
    public string Zone { get; }

    /// <summary>Gets the tables that hold the policy's rows (heap tables: the table itself and, when included, those below it), in which batches act one table at a time.</summary>
    public IReadOnlyList<PgRelation> Leaves { get; init; } = [];

    /// <summary>Gets how rows are identified, and why (shown by dry runs).</summary>
    public string RowIdentity { get; set; } = string.Empty;

    /// <summary>Gets the table as the policy reads it: with its descendants, or <c>ONLY</c>.</summary>
    public string Scan => IncludesDescendants ? Relation.Quoted : "ONLY " + Relation.Quoted;

    /// <summary>Gets the timestamp column as <c>t."column"</c>.</summary>
    public string TimestampSql => $"t.{PgIdentifiers.Quote(Timestamp.Name)}";

    /// <summary>
    /// SQL true when <paramref name="value"/> (of the timestamp column's type) is before the cutoff. A timestamptz is
    /// compared as an instant. A <c>timestamp</c> is read as a wall-clock time in <see cref="Zone"/> and compared as the
    /// instant PostgreSQL makes of it (a time repeated when clocks fall back is the later instant: when in doubt, the
    /// row is kept), with a wall-clock bound first so that an index on the column still serves. A <c>date</c> is
    /// expired once the whole day has passed in <see cref="Zone"/>. The session's time zone plays no part.
    /// </summary>
    public string ExpiredSql(string value) => Timestamp.BaseType switch
    {
        "timestamp with time zone" => $"{value} < @cutoff::timestamptz",
        "date" => $"{value} < (@cutoff::timestamptz AT TIME ZONE @zone::text)::date",
        _ => $"({value} < (@cutoff::timestamptz AT TIME ZONE @zone::text) + interval '1 day' AND ({value} AT TIME ZONE @zone::text) < @cutoff::timestamptz)",
    };

    /// <summary>SQL true when every value below the partition bound <paramref name="bound"/> is before the cutoff (see <see cref="ExpiredSql"/>).</summary>
    public string BoundReachedSql(string bound) => Timestamp.BaseType switch
    {
        "timestamp with time zone" => $"{bound} <= @cutoff::timestamptz",
        "date" => $"{bound} <= (@cutoff::timestamptz AT TIME ZONE @zone::text)::date",
        _ => $"({bound} AT TIME ZONE @zone::text) <= @cutoff::timestamptz",
    };

    /// <summary>Gets or sets the expiry test plus the configured conditions and predicate.</summary>
    public string Expired { get; set; } = string.Empty;

    /// <summary>Gets or sets the rows an Anonymize policy has not processed yet, as <c> AND ...</c>.</summary>
    public string NotProcessed { get; set; } = string.Empty;

    /// <summary>Gets or sets the SET list of an Anonymize policy.</summary>
    public string Assignments { get; set; } = string.Empty;

    /// <summary>Gets the expired rows: <c>FROM table t WHERE ...</c>.</summary>
    public string FromExpired => $"FROM {Scan} t WHERE {Expired}";

    /// <summary>A value of the timestamp column as a timestamptz, read in <see cref="Zone"/> when it has none.</summary>
    public string AsTimestamptz(string value) => Timestamp.BaseType switch
    {
        "timestamp with time zone" => value,
        "date" => $"({value})::timestamp AT TIME ZONE @zone::text",
        _ => $"({value}) AT TIME ZONE @zone::text",
    };

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
