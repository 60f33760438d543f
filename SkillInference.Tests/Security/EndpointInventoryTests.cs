using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Host.Security;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Security;

/// <summary>
/// Finding 2: every mapped route (the Cloud Tasks target included) and its scope; without a credential each answers
/// 401 (the health probes aside), with a key that lacks its scope 403 — all as problem details.
/// </summary>
[TestClass]
public sealed class EndpointInventoryTests
{
    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/skills/infer"] = Scopes.Score,
        ["POST /api/v1/skills/infer/batch"] = Scopes.Score,
        ["GET /api/v1/skills/models"] = Scopes.Score,
        ["POST /api/v1/skills/models/{skill}/deploy"] = Scopes.Operate,
        ["POST /api/v1/skills/models/{skill}/rollback"] = Scopes.Operate,
        ["POST /api/v1/skills/models/{skill}/variants"] = Scopes.Operate,
        ["POST /api/v1/students/invalidate"] = Scopes.Ingest,
        ["POST /api/v1/tasks/batch-inference"] = Scopes.Tasks,
        ["GET /metrics"] = Scopes.Metrics,
        ["GET /openapi/{documentName}.json"] = Scopes.Metrics,
        ["GET /health/live"] = "",
        ["GET /health/ready"] = "",
    };

    private static GoogleIdTokenIssuer _issuer = null!;
    private static SkillInferenceHostFactory _factory = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _issuer = new GoogleIdTokenIssuer();
        _factory = TaskHost.Create(_issuer);
        using var client = await _factory.CreateInitializedClientAsync();
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        await _factory.DisposeAsync();
        _issuer.Dispose();
    }

    private static IEnumerable<(string Route, string Method, string Path, string Scope)> Mapped()
    {
        foreach (var endpoint in _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var scopes = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null).ToArray();
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            foreach (var method in methods)
            {
                var route = $"{method} {endpoint.RoutePattern.RawText}";
                var path = endpoint.RoutePattern.RawText!.Replace("{skill}", "collaboration", StringComparison.Ordinal).Replace("{documentName}", "v1", StringComparison.Ordinal);
                yield return (route, method, path, anonymous ? "" : string.Join(",", scopes));
            }
        }
    }

    [TestMethod]
    public void Endpoints_EveryMappedRoute_HasItsScope()
    {
        var mapped = Mapped().ToDictionary(m => m.Route, m => m.Scope);

        CollectionAssert.AreEquivalent(Expected.Keys.ToArray(), mapped.Keys.ToArray(), "a route was added or removed: give it a scope here and in docs/security.md");
        foreach (var (route, scope) in Expected)
        {
            Assert.AreEqual(scope, mapped[route], route);
        }
    }

    [TestMethod]
    public async Task Endpoints_NoCredential_Answer401ExceptTheProbes()
    {
        using var client = _factory.CreateAnonymousClient();
        foreach (var (route, method, path, scope) in Mapped())
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            if (method == "POST")
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);

            if (scope.Length == 0)
            {
                Assert.AreNotEqual(HttpStatusCode.Unauthorized, response.StatusCode, route);
            }
            else
            {
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
                Assert.IsTrue(response.Headers.WwwAuthenticate.Count > 0, route);
            }
        }
    }

    [TestMethod]
    public async Task Endpoints_KeyWithoutTheScope_Answer403()
    {
        // The operator key has operate and score; the client key score, ingest and metrics; the ingest key ingest.
        foreach (var (route, method, path, scope) in Mapped().Where(m => m.Scope.Length > 0))
        {
            var key = scope switch
            {
                Scopes.Score => SkillInferenceHostFactory.IngestKey,
                Scopes.Operate or Scopes.Tasks => SkillInferenceHostFactory.ClientKey,
                _ => SkillInferenceHostFactory.OperatorKey,
            };
            using var client = _factory.CreateAnonymousClient();
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            if (method == "POST")
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);

            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.AreEqual(HttpStatusCode.Forbidden, response.StatusCode, route);
        }
    }

    [TestMethod]
    public async Task Endpoints_WrongKey_Answer401AndNeverEchoTheKey()
    {
        using var client = _factory.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "k-not-a-configured-key-123456");

        using var response = await client.GetAsync(new Uri("/api/v1/skills/models", UriKind.Relative));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "k-not-a-configured-key-123456");
        Assert.IsFalse(_factory.Logs.GetSnapshot().Any(r => r.Message.Contains("k-not-a-configured", StringComparison.Ordinal)), "the key is never logged");
    }

    [TestMethod]
    public async Task Scores_Responses_AreNotCacheable()
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/v1/skills/models", UriKind.Relative));

        Assert.IsTrue(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
    }
}
