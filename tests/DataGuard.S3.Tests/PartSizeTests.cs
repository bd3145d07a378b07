namespace DataGuard.S3.Tests;

/// <summary>
/// The part size of one upload (<see cref="S3StreamUpload.ChoosePartSize"/>): the configured one unless the expected
/// length, with a quarter of headroom, needs more parts than allowed; then the smallest whole MiB that holds it.
/// </summary>
public sealed class PartSizeTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1L)]
    [InlineData(60L * 1024 * MiB)]
    public void Without_an_estimate_or_with_one_that_fits_the_configured_size_stays(long? expected) =>
        Assert.Equal(8 * (int)MiB, S3StreamUpload.ChoosePartSize(8 * (int)MiB, expected, S3StreamUpload.S3MaxParts));

    [Theory]
    [InlineData(100L * 1024, 13)] // 100 GiB: 125 GiB in 10,000 parts of 12.8 MiB -> 13 MiB
    [InlineData(1024L * 1024, 132)] // 1 TiB: 1.25 TiB / 10,000 = 131.07 MiB -> 132 MiB
    [InlineData(5L * 1024 * 1024, 512)] // 5 TiB: capped at 512 MiB (10,000 x 512 MiB = 5 TiB, S3's largest object)
    public void A_large_database_gets_parts_that_hold_it_with_a_quarter_to_spare(long expectedMiB, int partMiB) =>
        Assert.Equal(partMiB * MiB, S3StreamUpload.ChoosePartSize(8 * (int)MiB, expectedMiB * MiB, S3StreamUpload.S3MaxParts));

    [Fact]
    public void Generated_estimates_get_the_smallest_whole_MiB_part_that_holds_them_or_the_cap()
    {
        var random = new Random(20261201);
        for (var i = 0; i < 20_000; i++)
        {
            var configured = (int)(S3StorageOptions.MinimumPartSize + random.NextInt64(0, 60 * MiB));
            var maxParts = random.Next(2) == 0 ? S3StreamUpload.S3MaxParts : random.Next(1, 50);
            var expected = random.Next(4) switch
            {
                0 => random.NextInt64(1, 64 * MiB),
                1 => random.NextInt64(1, 100L * 1024 * MiB),
                2 => random.NextInt64(1, 8L * 1024 * 1024 * MiB),
                _ => long.MaxValue - random.NextInt64(0, 1000),
            };

            var part = S3StreamUpload.ChoosePartSize(configured, expected, maxParts);
            var room = (decimal)expected * 1.25m;
            Assert.True(part >= configured, $"{part} < configured {configured}");
            Assert.True(part <= Math.Max(configured, S3StreamUpload.MaximumPartSize), $"{part} above the cap");
            if (part == configured)
            {
                Assert.True(part >= S3StreamUpload.MaximumPartSize || (decimal)part * maxParts >= room || configured >= S3StreamUpload.MaximumPartSize, $"expected {expected} in {maxParts} x {part}");
                continue;
            }

            Assert.Equal(0, part % MiB);
            if (part < S3StreamUpload.MaximumPartSize)
            {
                Assert.True((decimal)part * maxParts >= room, $"expected {expected} x 1.25 does not fit {maxParts} x {part}");
                Assert.True((decimal)(part - MiB) * maxParts < room || part - MiB < configured, $"{part} is not the smallest whole MiB for {expected} in {maxParts} parts");
            }
        }
    }

    [Theory]
    [InlineData(8, 2, 8, 2)] // not raised: as configured
    [InlineData(8, 2, 132, 1)] // 1 TiB with the defaults: one part in flight, 264 MiB
    [InlineData(8, 64, 132, 2)] // 64 x 8 MiB configured (520 MiB): two raised parts in flight, 396 MiB
    [InlineData(16, 4, 40, 1)] // 80 MiB configured: one 40 MiB part in flight and one filling
    public void Raised_parts_upload_fewer_at_once_so_the_buffers_stay_within_the_configured_ones(int configuredMiB, int maxConcurrent, int partMiB, int expected) =>
        Assert.Equal(expected, S3StreamUpload.ChooseConcurrency(configuredMiB * (int)MiB, maxConcurrent, partMiB * (int)MiB));

    [Fact]
    public void Generated_configurations_keep_raised_part_buffers_within_the_configured_ones_or_two_parts()
    {
        var random = new Random(1201);
        for (var i = 0; i < 20_000; i++)
        {
            var configured = (int)(S3StorageOptions.MinimumPartSize + random.NextInt64(0, 100 * MiB));
            var maxConcurrent = random.Next(1, 129);
            var part = S3StreamUpload.ChoosePartSize(configured, random.NextInt64(1, 6L * 1024 * 1024 * MiB), S3StreamUpload.S3MaxParts);
            var concurrency = S3StreamUpload.ChooseConcurrency(configured, maxConcurrent, part);

            Assert.InRange(concurrency, 1, maxConcurrent);
            var buffers = (concurrency + 1L) * part;
            Assert.True(buffers <= Math.Max((maxConcurrent + 1L) * configured, 2L * part), $"{concurrency} x {part} for {maxConcurrent} x {configured}");
            if (part == configured)
            {
                Assert.Equal(maxConcurrent, concurrency);
            }
        }
    }
}
