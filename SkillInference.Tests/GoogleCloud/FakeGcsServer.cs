using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Web;
using Google.Apis.Http;
using Google.Cloud.Storage.V1;

namespace SkillInference.Tests.GoogleCloud;

/// <summary>
/// An in-memory Cloud Storage JSON API: the part the client library uses for a model store (object metadata, media
/// download with <c>x-goog-hash</c> and ranges, resumable uploads, listing with prefix and pages), with generation
/// preconditions enforced as Cloud Storage enforces them (412 on <c>ifGenerationMatch</c> mismatch, at the start and
/// at the end of an upload).
/// </summary>
/// <remarks>
/// Why a fake: the emulator the integration tests use (eng/gcs-emulator) ignores <c>ifGenerationMatch</c>, so the
/// compare-and-swap that keeps two operators from overwriting each other cannot be shown against it. Everything the
/// emulator can do is tested against the emulator as well (Integration/GcsEmulatorModelStoreContractTests).
/// </remarks>
public sealed class FakeGcsServer : HttpMessageHandler
{
    public static readonly Uri BaseUri = new("http://fake-gcs.test/");
    private const string PreconditionMessage = "At least one of the pre-conditions you specified did not hold.";
    private static readonly uint[] Crc32CTable = BuildCrc32CTable();
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Bucket, string Name), StoredBlob> _objects = [];
    private readonly Dictionary<string, Upload> _uploads = [];
    private readonly Dictionary<string, (HttpStatusCode Status, JsonObject Body)> _finished = [];
    private long _nextGeneration = 1_700_000_000_000_000;
    private int _requests;

    /// <summary>Buckets that answer 404 "The specified bucket does not exist.".</summary>
    public HashSet<string> MissingBuckets { get; } = [];

    /// <summary>Buckets that answer 403 to everything.</summary>
    public HashSet<string> ForbiddenBuckets { get; } = [];

    /// <summary>Runs just before an upload commits (after its bytes arrived): another writer can step in here.</summary>
    public Func<string, Task>? BeforeCommit { get; set; }

    /// <summary>Every request as "METHOD path?query", in order.</summary>
    public ConcurrentQueue<string> RequestLog { get; } = new();

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>A client of this server, optionally with <paramref name="front"/> (e.g. a <see cref="FlakyHttpHandler"/>) in front of it.</summary>
    public StorageClient CreateClient(Func<HttpMessageHandler, DelegatingHandler>? front = null)
    {
        HttpMessageHandler handler = front is null ? this : front(this);
        return new StorageClientBuilder
        {
            BaseUri = BaseUri.ToString(),
            UnauthenticatedAccess = true,
            HttpClientFactory = new HttpClientFromMessageHandlerFactory(_ => new HttpClientFromMessageHandlerFactory.ConfiguredHttpMessageHandler(handler, false, false)),
        }.Build();
    }

    /// <summary>Writes an object directly (another writer), returning its new generation.</summary>
    public long Put(string bucket, string name, byte[] content)
    {
        lock (_gate)
        {
            var blob = new StoredBlob(content, ++_nextGeneration, "application/octet-stream");
            _objects[(bucket, name)] = blob;
            return blob.Generation;
        }
    }

    public byte[]? Get(string bucket, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((bucket, name), out var blob) ? blob.Content : null;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var uri = request.RequestUri!;
        RequestLog.Enqueue($"{request.Method} {uri.PathAndQuery}");
        var query = HttpUtility.ParseQueryString(uri.Query);
        var path = uri.AbsolutePath;
        foreach (var api in new[] { "/download/storage/v1", "/storage/v1" })
        {
            if (path.StartsWith(api + "/b/", StringComparison.Ordinal))
            {
                path = path[api.Length..];
            }
        }

        var upload = path.StartsWith("/upload/storage/v1/b/", StringComparison.Ordinal);
        var segments = (upload ? path["/upload/storage/v1/".Length..] : path.TrimStart('/')).Split('/');
        if (segments.Length < 3 || segments[0] != "b" || segments[2] != "o")
        {
            return Error(HttpStatusCode.NotImplemented, $"FakeGcsServer does not implement {request.Method} {path}", "notImplemented");
        }

        var bucket = Uri.UnescapeDataString(segments[1]);
        if (ForbiddenBuckets.Contains(bucket))
        {
            return Error(HttpStatusCode.Forbidden, $"anonymous caller does not have storage.objects access to the Google Cloud Storage bucket {bucket}.", "forbidden");
        }

        if (MissingBuckets.Contains(bucket))
        {
            return Error(HttpStatusCode.NotFound, "The specified bucket does not exist.", "notFound");
        }

        var name = segments.Length > 3 ? Uri.UnescapeDataString(string.Join('/', segments[3..])) : null;
        if (upload)
        {
            return request.Method == HttpMethod.Post
                ? await StartUploadAsync(request, bucket, query, cancellationToken)
                : await ContinueUploadAsync(request, query, cancellationToken);
        }

        if (request.Method != HttpMethod.Get)
        {
            return Error(HttpStatusCode.NotImplemented, $"FakeGcsServer does not implement {request.Method} {path}", "notImplemented");
        }

        return name is null ? List(bucket, query) : Read(request, bucket, name, query["alt"] == "media");
    }

    private HttpResponseMessage Read(HttpRequestMessage request, string bucket, string name, bool media)
    {
        StoredBlob? blob;
        lock (_gate)
        {
            _objects.TryGetValue((bucket, name), out blob);
        }

        if (blob is null)
        {
            return Error(HttpStatusCode.NotFound, $"No such object: {bucket}/{name}", "notFound");
        }

        if (!media)
        {
            return Json(HttpStatusCode.OK, Metadata(bucket, name, blob));
        }

        var content = blob.Content;
        var status = HttpStatusCode.OK;
        ContentRangeHeaderValue? contentRange = null;
        if (request.Headers.Range?.Ranges.FirstOrDefault() is { } range && content.Length > 0)
        {
            var from = range.From ?? 0;
            var to = Math.Min(range.To ?? content.Length - 1, content.Length - 1);
            contentRange = new ContentRangeHeaderValue(from, to, content.Length);
            content = content[(int)from..(int)(to + 1)];
            status = HttpStatusCode.PartialContent;
        }

        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(content) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue(blob.ContentType);
        response.Content.Headers.ContentRange = contentRange;
        response.Headers.TryAddWithoutValidation("x-goog-hash", $"crc32c={Crc32CBase64(blob.Content)},md5={Md5Base64(blob.Content)}");
        response.Headers.TryAddWithoutValidation("x-goog-generation", blob.Generation.ToString(CultureInfo.InvariantCulture));
        return response;
    }

    private HttpResponseMessage List(string bucket, System.Collections.Specialized.NameValueCollection query)
    {
        var prefix = query["prefix"] ?? "";
        var pageSize = int.TryParse(query["maxResults"], CultureInfo.InvariantCulture, out var max) ? Math.Min(max, 1000) : 1000;
        var after = query["pageToken"] is { } token ? Encoding.UTF8.GetString(Convert.FromBase64String(token)) : null;
        List<(string Name, StoredBlob Blob)> matching;
        lock (_gate)
        {
            matching = [.. _objects
                .Where(kv => kv.Key.Bucket == bucket && kv.Key.Name.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(kv.Key.Name, after) > 0))
                .OrderBy(kv => kv.Key.Name, StringComparer.Ordinal)
                .Select(kv => (kv.Key.Name, kv.Value))];
        }

        var page = matching.Take(pageSize).ToArray();
        var body = new JsonObject
        {
            ["kind"] = "storage#objects",
            ["items"] = new JsonArray([.. page.Select(p => (JsonNode)Metadata(bucket, p.Name, p.Blob))]),
        };
        if (matching.Count > pageSize)
        {
            body["nextPageToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1].Name));
        }

        return Json(HttpStatusCode.OK, body);
    }

    private async Task<HttpResponseMessage> StartUploadAsync(HttpRequestMessage request, string bucket, System.Collections.Specialized.NameValueCollection query, CancellationToken cancellationToken)
    {
        if (query["uploadType"] != "resumable")
        {
            return Error(HttpStatusCode.NotImplemented, "FakeGcsServer only implements resumable uploads.", "notImplemented");
        }

        var metadata = request.Content is null ? null : JsonNode.Parse(await ReadBodyAsync(request.Content, cancellationToken));
        var name = query["name"] ?? metadata?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            return Error(HttpStatusCode.BadRequest, "Required: object name.", "required");
        }

        long? ifGenerationMatch = long.TryParse(query["ifGenerationMatch"], CultureInfo.InvariantCulture, out var g) ? g : null;
        var id = Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            if (!PreconditionHolds(bucket, name, ifGenerationMatch))
            {
                return PreconditionFailed();
            }

            _uploads[id] = new Upload(bucket, name, metadata?["contentType"]?.GetValue<string>() ?? "application/octet-stream", ifGenerationMatch);
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.Location = new Uri(BaseUri, $"upload/storage/v1/b/{Uri.EscapeDataString(bucket)}/o?uploadType=resumable&upload_id={id}");
        return response;
    }

    private async Task<HttpResponseMessage> ContinueUploadAsync(HttpRequestMessage request, System.Collections.Specialized.NameValueCollection query, CancellationToken cancellationToken)
    {
        Upload? upload;
        var id = query["upload_id"] ?? "";
        lock (_gate)
        {
            _uploads.TryGetValue(id, out upload);
            if (upload is null && _finished.TryGetValue(id, out var finished))
            {
                // A finished session answers every later request with its outcome, as Cloud Storage does.
                return Json(finished.Status, finished.Body);
            }
        }

        if (upload is null)
        {
            return Error(HttpStatusCode.NotFound, "No such upload.", "notFound");
        }

        var bytes = request.Content is null ? [] : await ReadBodyAsync(request.Content, cancellationToken);
        var range = request.Content?.Headers.ContentRange;
        lock (_gate)
        {
            // A chunk sent again (its answer was lost) starts below what arrived: the client resumes from our Range.
            if (range?.From is { } from && from == upload.Received.Length)
            {
                upload.Received.Write(bytes);
            }
        }

        if (range?.Length is not { } total || upload.Received.Length < total)
        {
            var incomplete = new HttpResponseMessage((HttpStatusCode)308);
            if (upload.Received.Length > 0)
            {
                incomplete.Headers.TryAddWithoutValidation("Range", $"bytes=0-{upload.Received.Length - 1}");
            }

            return incomplete;
        }

        if (BeforeCommit is { } hook)
        {
            await hook(upload.Name);
        }

        lock (_gate)
        {
            _uploads.Remove(id);
            if (!PreconditionHolds(upload.Bucket, upload.Name, upload.IfGenerationMatch))
            {
                _finished[id] = (HttpStatusCode.PreconditionFailed, ErrorBody(HttpStatusCode.PreconditionFailed, PreconditionMessage, "conditionNotMet"));
                return PreconditionFailed();
            }

            var blob = new StoredBlob(upload.Received.ToArray(), ++_nextGeneration, upload.ContentType);
            _objects[(upload.Bucket, upload.Name)] = blob;
            _finished[id] = (HttpStatusCode.OK, Metadata(upload.Bucket, upload.Name, blob));
            return Json(HttpStatusCode.OK, Metadata(upload.Bucket, upload.Name, blob));
        }
    }

    /// <summary>The body as sent, un-gzipped (the client compresses JSON request bodies).</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var bytes = await content.ReadAsByteArrayAsync(cancellationToken);
        if (!content.Headers.ContentEncoding.Contains("gzip"))
        {
            return bytes;
        }

        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        await gzip.CopyToAsync(plain, cancellationToken);
        return plain.ToArray();
    }

    private bool PreconditionHolds(string bucket, string name, long? ifGenerationMatch)
    {
        if (ifGenerationMatch is not { } expected)
        {
            return true;
        }

        var current = _objects.TryGetValue((bucket, name), out var blob) ? blob.Generation : 0;
        return current == expected;
    }

    private static JsonObject Metadata(string bucket, string name, StoredBlob blob) => new()
    {
        ["kind"] = "storage#object",
        ["bucket"] = bucket,
        ["name"] = name,
        ["generation"] = blob.Generation.ToString(CultureInfo.InvariantCulture),
        ["metageneration"] = "1",
        ["contentType"] = blob.ContentType,
        ["size"] = blob.Content.Length.ToString(CultureInfo.InvariantCulture),
        ["md5Hash"] = Md5Base64(blob.Content),
        ["crc32c"] = Crc32CBase64(blob.Content),
    };

    private static HttpResponseMessage PreconditionFailed() =>
        Error(HttpStatusCode.PreconditionFailed, PreconditionMessage, "conditionNotMet");

    private static HttpResponseMessage Error(HttpStatusCode status, string message, string reason) => Json(status, ErrorBody(status, message, reason));

    private static JsonObject ErrorBody(HttpStatusCode status, string message, string reason) => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = (int)status,
            ["message"] = message,
            ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["domain"] = "global", ["reason"] = reason }),
        },
    };

    private static HttpResponseMessage Json(HttpStatusCode status, JsonNode body) => new(status)
    {
        Content = new StringContent(body.ToJsonString(new JsonSerializerOptions()), Encoding.UTF8, "application/json"),
    };

    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Cloud Storage's integrity hash, not security.")]
    private static string Md5Base64(byte[] content) => Convert.ToBase64String(MD5.HashData(content));

    private static string Crc32CBase64(byte[] content)
    {
        var crc = ~0u;
        foreach (var b in content)
        {
            crc = Crc32CTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        crc = ~crc;
        return Convert.ToBase64String([(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc]);
    }

    private static uint[] BuildCrc32CTable()
    {
        var table = new uint[256];
        for (var i = 0u; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }

    private sealed record StoredBlob(byte[] Content, long Generation, string ContentType);

    private sealed record Upload(string Bucket, string Name, string ContentType, long? IfGenerationMatch)
    {
        public MemoryStream Received { get; } = new();
    }
}
