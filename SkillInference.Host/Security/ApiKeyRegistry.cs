using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace SkillInference.Host.Security;

/// <summary>
/// The configured API keys, held as SHA-256 digests only. A presented key is hashed and compared with every
/// configured digest in constant time (no early exit, so the time does not say which key, or how much of one,
/// matched). Built once at start-up from <see cref="AuthOptions"/>; a configuration mistake stops the start with a
/// message naming the setting.
/// </summary>
internal sealed class ApiKeyRegistry
{
    /// <summary>The shortest key accepted in configuration.</summary>
    public const int MinKeyLength = 16;

    private readonly Entry[] _entries;

    public ApiKeyRegistry(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var entries = new List<Entry>();
        foreach (var (client, key) in options.ApiKeys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var setting = $"{AuthOptions.SectionName}:ApiKeys:{client}";
            if (string.IsNullOrWhiteSpace(key.Key) == string.IsNullOrWhiteSpace(key.Hash))
            {
                throw new InvalidOperationException($"{setting} needs exactly one of Key (the key itself) or Hash (its SHA-256 as 64 hex digits).");
            }

            byte[] digest;
            if (!string.IsNullOrWhiteSpace(key.Key))
            {
                if (key.Key.Length < MinKeyLength)
                {
                    throw new InvalidOperationException($"{setting}:Key is shorter than {MinKeyLength} characters; use a random key (e.g. openssl rand -hex 32).");
                }

                digest = Digest(key.Key);
            }
            else if (key.Hash!.Trim().Length != 64 || !TryHex(key.Hash.Trim(), out digest))
            {
                throw new InvalidOperationException($"{setting}:Hash must be the SHA-256 of the key as 64 hex digits (e.g. printf %s \"$KEY\" | sha256sum).");
            }

            entries.Add(new Entry(client, digest, CheckScopes(key.Scopes, $"{setting}:Scopes")));
        }

        _entries = [.. entries];
        Anonymous = options.AnonymousScopes.Count == 0 ? null : Principal("anonymous", CheckScopes(options.AnonymousScopes, $"{AuthOptions.SectionName}:AnonymousScopes"), "Anonymous");
    }

    /// <summary>The principal of a request without a credential, when anonymous scopes are configured.</summary>
    public ClaimsPrincipal? Anonymous { get; }

    /// <summary>How many keys are configured.</summary>
    public int Count => _entries.Length;

    /// <summary>The client a presented key belongs to, as a principal with its scopes; null when it matches none.</summary>
    public ClaimsPrincipal? Authenticate(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var digest = Digest(presented);
        Entry? match = null;
        foreach (var entry in _entries)
        {
            // Every entry is compared, matched or not.
            if (CryptographicOperations.FixedTimeEquals(entry.Digest, digest))
            {
                match ??= entry;
            }
        }

        return match is null ? null : Principal(match.Client, match.Scopes, ApiKeyAuthenticationHandler.SchemeName);
    }

    /// <summary>A principal named <paramref name="client"/> holding <paramref name="scopes"/>.</summary>
    public static ClaimsPrincipal Principal(string client, IEnumerable<string> scopes, string authenticationType)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, client) };
        claims.AddRange(scopes.Select(s => new Claim(Scopes.ClaimType, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The SHA-256 of a key's UTF-8 bytes.</summary>
    public static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The known scopes of a setting, lower-cased; an unknown one stops the start.</summary>
    public static string[] CheckScopes(IEnumerable<string> scopes, string setting)
    {
        var result = new List<string>();
        foreach (var scope in scopes)
        {
            var s = scope.Trim().ToLowerInvariant();
            if (!Scopes.All.Contains(s))
            {
                throw new InvalidOperationException($"{setting} names the unknown scope '{scope}'; the scopes are {string.Join(", ", Scopes.All)}.");
            }

            result.Add(s);
        }

        return [.. result.Distinct()];
    }

    private static bool TryHex(string hex, out byte[] bytes)
    {
        bytes = new byte[hex.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!byte.TryParse(hex.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Entry(string Client, byte[] Digest, string[] Scopes);
}
