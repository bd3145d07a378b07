namespace DataGuard.Supabase.Database;

/// <summary>The entries of an archive a Supabase restore replays, and those it leaves out, by reason.</summary>
internal sealed class SupabaseRestoreChoice
{
    /// <summary>Gets the lines to restore, in the archive's order.</summary>
    public List<string> Entries { get; } = [];

    /// <summary>Gets the entries left out, by reason.</summary>
    public Dictionary<string, List<string>> Skipped { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the extensions the target cannot install.</summary>
    public List<string> UnavailableExtensions { get; } = [];

    /// <summary>Gets or sets a value indicating whether the target is a Supabase project (it has the platform's kept schemas).</summary>
    public bool IntoSupabase { get; set; }

    /// <summary>Gets or sets a value indicating whether the restore creates extensions.</summary>
    public bool CreatesExtensions { get; set; }
}
