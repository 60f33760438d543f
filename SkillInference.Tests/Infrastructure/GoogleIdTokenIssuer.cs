using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// Stands in for Google's ID-token issuer (its endpoints are not reachable here): a locally generated RSA key, its
/// JSON Web Key Set served over HTTP on 127.0.0.1 (what the host's JwtBearer fetches, as it fetches Google's), and
/// tokens shaped like Google's (iss accounts.google.com, aud, email, email_verified, RS256, kid).
/// </summary>
internal sealed class GoogleIdTokenIssuer : IDisposable
{
    public const string Issuer = "https://accounts.google.com";
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public GoogleIdTokenIssuer()
    {
        _key = new RsaSecurityKey(_rsa) { KeyId = "test-key-1" };
        var port = ProcessRunner.FreePort();
        JwksUri = $"http://127.0.0.1:{port}/oauth2/v3/certs";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>Where the key set is served.</summary>
    public string JwksUri { get; }

    /// <summary>How many times the key set was fetched.</summary>
    public int Fetches { get; private set; }

    /// <summary>A signed ID token for an audience and an email.</summary>
    public string Mint(string audience, string email, bool emailVerified = true, TimeSpan? lifetime = null, RSA? signWith = null, string issuer = Issuer)
    {
        var now = DateTime.UtcNow;
        var key = signWith is null ? _key : new RsaSecurityKey(signWith) { KeyId = _key.KeyId };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(30)),
            Subject = new ClaimsIdentity([new Claim("sub", "1234567890"), new Claim("email", email), new Claim("email_verified", emailVerified ? "true" : "false", ClaimValueTypes.Boolean)]),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Host settings that accept this issuer's tokens for <paramref name="audience"/> from <paramref name="email"/> with <paramref name="scopes"/>.</summary>
    public Dictionary<string, string?> Settings(string audience, string email, params string[] scopes)
    {
        var settings = new Dictionary<string, string?>
        {
            ["SkillInference:Auth:GoogleIdTokens:JwksUri"] = JwksUri,
            ["SkillInference:Auth:GoogleIdTokens:Audiences:0"] = audience,
            ["SkillInference:Auth:GoogleIdTokens:ServiceAccounts:0:Email"] = email,
        };
        for (var i = 0; i < scopes.Length; i++)
        {
            settings[$"SkillInference:Auth:GoogleIdTokens:ServiceAccounts:0:Scopes:{i}"] = scopes[i];
        }

        return settings;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
        _rsa.Dispose();
    }

    private async Task ServeAsync()
    {
        var parameters = _rsa.ExportParameters(false);
        var jwks = $$"""{"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"{{_key.KeyId}}","n":"{{Base64UrlEncoder.Encode(parameters.Modulus)}}","e":"{{Base64UrlEncoder.Encode(parameters.Exponent)}}"}]}""";
        var body = Encoding.UTF8.GetBytes(jwks);
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Fetches++;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }
}
