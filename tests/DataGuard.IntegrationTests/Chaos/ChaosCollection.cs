namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// The chaos suite's collection: its classes share <see cref="ChaosLab"/> and never run at the same time (a scenario
/// stops servers the others would use); they run next to the other test classes, on servers of their own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ChaosCollection : ICollectionFixture<ChaosLab>
{
    public const string Name = "Chaos";
}
