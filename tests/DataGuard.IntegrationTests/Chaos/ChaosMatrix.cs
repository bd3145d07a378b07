namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// Which faults a scenario meets: every run (CI) takes the pairs that matter most for the operation; the full matrix
/// (<c>DATAGUARD_CHAOS_FULL=1</c>) adds the others. Both keep the same test names, so a failure replays the same way.
/// </summary>
internal static class ChaosMatrix
{
    public static TheoryData<ChaosFault> Faults(ChaosFault[] everyRun, params ChaosFault[] fullOnly)
    {
        var data = new TheoryData<ChaosFault>();
        foreach (var fault in ChaosSettings.Full ? everyRun.Concat(fullOnly) : everyRun)
        {
            data.Add(fault);
        }

        return data;
    }

    public static TheoryData<string, ChaosFault> Pairs((string, ChaosFault)[] everyRun, params (string, ChaosFault)[] fullOnly)
    {
        var data = new TheoryData<string, ChaosFault>();
        foreach (var (name, fault) in ChaosSettings.Full ? everyRun.Concat(fullOnly) : everyRun)
        {
            data.Add(name, fault);
        }

        return data;
    }
}
