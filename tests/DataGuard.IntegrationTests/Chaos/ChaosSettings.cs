using System.Globalization;
using System.Text;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// The chaos suite's seed and size, from the environment: <c>DATAGUARD_CHAOS_SEED</c> (default
/// <see cref="DefaultSeed"/>), <c>DATAGUARD_CHAOS_ROUNDS</c> (default 1: every scenario once, as CI runs it; more
/// rounds draw other fault points, delays and outages from the same seed) and <c>DATAGUARD_CHAOS_FULL</c> (the
/// expensive scenarios too).
/// </summary>
internal static class ChaosSettings
{
    public const int DefaultSeed = 20261130;

    public static int Seed { get; } = Read("DATAGUARD_CHAOS_SEED", DefaultSeed);

    public static int Rounds { get; } = Math.Max(1, Read("DATAGUARD_CHAOS_ROUNDS", 1));

    /// <summary>Gets a value indicating whether the expensive scenarios run too (<c>DATAGUARD_CHAOS_FULL=1</c>): physical drills.</summary>
    public static bool Full { get; } = Environment.GetEnvironmentVariable("DATAGUARD_CHAOS_FULL") is "1" or "true";

    /// <summary>The random source of one round of one scenario: the same seed, scenario and round always draw the same faults.</summary>
    public static Random For(string scenario, int round) => new(unchecked((int)(Fnv1a(scenario) ^ (uint)Seed) + (round * 7919)));

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash;
    }

    private static int Read(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
