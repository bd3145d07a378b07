using DataGuard.Storage;

namespace DataGuard.Postgres.Tests.Storage;

/// <summary>The prefixes the PostgreSQL package names in its public API are StorageLayout's own.</summary>
public sealed class PostgresStorageLayoutTests
{
    [Fact]
    public void Drill_and_restore_point_prefixes_are_the_layouts_own()
    {
        Assert.Equal(StorageLayout.Drills, DataGuard.Postgres.Drills.DrillService.Prefix);
        Assert.Equal(StorageLayout.RestorePoints, DataGuard.Postgres.Pitr.RestorePoints.Prefix);
    }
}
