using DataGuard.Storage;

namespace DataGuard.Tests.Storage;

public class StorageKeysTests
{
    [Theory]
    [InlineData("backups/20261126T030000Z-logical-ab12/manifest.json")]
    [InlineData("wal/00000001/000000010000000000000001.zst")]
    [InlineData("a")]
    [InlineData("exports/job 1/données.json")]
    [InlineData("a..b/c")]
    public void Accepts_ordinary_keys(string key) => Assert.Equal(key, StorageKeys.Validate(key));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/etc/passwd", "start with '/'")]
    [InlineData("../outside", "'..'")]
    [InlineData("a/../../b", "'..'")]
    [InlineData("a/./b", "'.'")]
    [InlineData("a//b", "empty segments")]
    [InlineData("a/", "empty segments")]
    [InlineData("a\nb", "control characters")]
    [InlineData("a\0b", "control characters")]
    [InlineData("a\\..\\b", "'\\'")]
    public void Rejects_keys_that_could_escape_or_confuse(string key, string reason)
    {
        var ex = Assert.Throws<InvalidStorageKeyException>(() => StorageKeys.Validate(key));
        Assert.Contains(reason, ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void Rejects_overlong_keys() =>
        Assert.Throws<InvalidStorageKeyException>(() => StorageKeys.Validate(new string('k', StorageKeys.MaxLength + 1)));

    [Theory]
    [InlineData("")]
    [InlineData("backups/")]
    [InlineData("backups/2026")]
    public void Accepts_prefixes(string prefix) => Assert.Equal(prefix, StorageKeys.ValidatePrefix(prefix));

    [Theory]
    [InlineData("/backups/")]
    [InlineData("../")]
    [InlineData("a//")]
    public void Rejects_bad_prefixes(string prefix) =>
        Assert.Throws<InvalidStorageKeyException>(() => StorageKeys.ValidatePrefix(prefix));
}
