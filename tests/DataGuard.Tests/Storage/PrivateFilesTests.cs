using DataGuard.IO;

namespace DataGuard.Tests.Storage;

public class PrivateFilesTests
{
    [Theory]
    [InlineData("0600", null)]
    [InlineData("600", null)]
    [InlineData("0640", null)]
    [InlineData("0700", null)]
    [InlineData("0660", null)]
    [InlineData("0400", "owner read and write")]
    [InlineData("0602", "any local user")]
    [InlineData("2600", "setuid, setgid or sticky")]
    [InlineData("0x180", "not an octal")]
    [InlineData("", "not an octal")]
    [InlineData("06000", "not an octal")]
    [InlineData("0800", "not an octal")]
    public void File_modes_are_checked(string mode, string? problem)
    {
        var actual = PrivateFiles.CheckFileMode(mode);
        if (problem is null)
        {
            Assert.Null(actual);
        }
        else
        {
            Assert.Contains(problem, actual);
        }
    }

    [Theory]
    [InlineData("0700", null)]
    [InlineData("2750", null)]
    [InlineData("0770", null)]
    [InlineData("0500", "read, write and search")]
    [InlineData("0757", "any local user")]
    [InlineData("4700", "setuid or sticky")]
    [InlineData("1700", "setuid or sticky")]
    public void Directory_modes_are_checked(string mode, string? problem)
    {
        var actual = PrivateFiles.CheckDirectoryMode(mode);
        if (problem is null)
        {
            Assert.Null(actual);
        }
        else
        {
            Assert.Contains(problem, actual);
        }
    }
}
