namespace DataGuard.S3.Tests;

/// <summary>The default part buffers of an upload: (MaxConcurrentParts + 1) x PartSize, 24 MiB (was 5 x 16 MiB = 80 MiB).</summary>
public sealed class S3StorageDefaultsTests
{
    [Fact]
    public void An_upload_holds_at_most_24_MiB_of_part_buffers_by_default_and_an_object_can_reach_78_GiB()
    {
        var options = new S3StorageOptions();
        Assert.Equal(8 * 1024 * 1024, options.PartSize);
        Assert.Equal(2, options.MaxConcurrentParts);
        Assert.Equal(24L * 1024 * 1024, (options.MaxConcurrentParts + 1L) * options.PartSize);
        Assert.Equal(78, (int)((long)S3StreamUpload.S3MaxParts * options.PartSize / (1024L * 1024 * 1024)));
    }
}
