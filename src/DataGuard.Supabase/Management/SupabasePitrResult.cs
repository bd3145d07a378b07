namespace DataGuard.Supabase.Management;

/// <summary>A platform PITR restore, followed to its end.</summary>
/// <param name="Target">The recovery time asked for.</param>
/// <param name="Duration">From the request to the project being healthy again (the measured RTO).</param>
/// <param name="Statuses">The project statuses seen, in order.</param>
internal sealed record SupabasePitrResult(DateTimeOffset Target, TimeSpan Duration, IReadOnlyList<string> Statuses);
