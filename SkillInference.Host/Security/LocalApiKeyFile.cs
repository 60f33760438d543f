using System.Security.Cryptography;

namespace SkillInference.Host.Security;

/// <summary>
/// The embedded default's key: on a first start with no credential configured, one random key with every scope is
/// written to a file only its owner can read (client name <c>local</c>); later starts reuse it. The README's curl
/// examples read it. Its path is logged, never the key.
/// </summary>
internal static class LocalApiKeyFile
{
    public const string ClientName = "local";

    /// <summary>Reads the key in <paramref name="path"/>, creating the file with a new key first when there is none.</summary>
    /// <returns>The key, and whether the file was created now.</returns>
    public static (string Key, bool Created) ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length >= ApiKeyRegistry.MinKeyLength)
            {
                return (existing, false);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = "sik_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.WriteLine(key);
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only to a new file; an existing (too short) one gets the mode too.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return (key, true);
    }
}
