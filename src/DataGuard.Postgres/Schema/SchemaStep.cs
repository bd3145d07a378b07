namespace DataGuard.Postgres.Schema;

/// <summary>One upgrade step of DataGuard's own tables.</summary>
/// <param name="Version">The version the step brings the schema to.</param>
/// <param name="Description">What it changes.</param>
/// <param name="Sql">The SQL, run in the upgrade's transaction.</param>
internal sealed record SchemaStep(int Version, string Description, string Sql);
