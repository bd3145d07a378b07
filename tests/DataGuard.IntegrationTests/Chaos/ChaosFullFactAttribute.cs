namespace DataGuard.IntegrationTests.Chaos;

/// <summary>A chaos scenario of the full matrix only: skipped unless <c>DATAGUARD_CHAOS_FULL=1</c> (it takes too long for every CI run).</summary>
public sealed class ChaosFullFactAttribute : FactAttribute
{
    public ChaosFullFactAttribute()
    {
        if (!ChaosSettings.Full)
        {
            Skip = "full chaos matrix only: set DATAGUARD_CHAOS_FULL=1 (scripts/test.sh --filter FullyQualifiedName~Chaos)";
        }
    }
}
