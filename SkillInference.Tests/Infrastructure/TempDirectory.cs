using System.Collections.Concurrent;

namespace SkillInference.Tests.Infrastructure;

/// <summary>A fresh folder under the system temp folder, deleted at the end of the test run.</summary>
public static class TempDirectory
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "skillinference-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    private static readonly ConcurrentBag<string> Created = [];

    public static string Create(string? name = null)
    {
        var path = Path.Combine(Root, (name ?? "t") + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        Created.Add(path);
        return path;
    }

    public static void CopyTree(string source, string destination)
    {
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(destination, Path.GetRelativePath(source, file)), overwrite: true);
        }
    }

    public static void DeleteAll()
    {
        try
        {
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
        catch (IOException)
        {
            // A host under test may still hold a file; the OS temp cleaner gets it.
        }
    }
}
