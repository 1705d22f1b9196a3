//! Files in an S3-compatible object store (Amazon S3, MinIO, Ceph, Garage,
//! a cloud provider's), for installations too large to keep them in the
//! database. Each file is an object named `ab/cd/<key>`, as in the folder,
//! written before the records that name it. Requests are signed (AWS
//! signature version 4, `rusty-s3`) and sent with `reqwest`.

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use std::io;
use std::time::Duration;

/// How long a signed request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(300);

/// Where the bucket is and how to reach it (`[s3]` in the configuration,
/// `CASEWORK_S3_*`).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct S3Settings {
    /// `https://s3.eu-west-2.amazonaws.com`, `http://minio.internal:9000` …
    pub endpoint: String,
    pub bucket: String,
    /// Empty: `us-east-1` (what most self-hosted stores expect).
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// The bucket in the path (`endpoint/bucket/key`: MinIO and most
    /// self-hosted stores) rather than in the host name (`bucket.endpoint`).
    pub path_style: bool,
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            endpoint: String::new(),
            bucket: String::new(),
            region: String::new(),
            access_key: String::new(),
            secret_key: String::new(),
            path_style: true,
        }
    }
}

/// A file in the bucket or a folder, as listed there.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub key: String,
    pub size: u64,
    /// When it was last written (unknown: never swept).
    pub written: Option<std::time::SystemTime>,
}

/// A bucket of files.
pub struct S3Files {
    bucket: Bucket,
    credentials: Credentials,
    client: reqwest::Client,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// A request that failed on the way: without its address, which carries
/// the access key and a signature that works for a few minutes.
fn http(e: reqwest::Error) -> io::Error {
    other(format!(
        "the object store could not be reached: {}",
        e.without_url()
    ))
}

/// An answer that is neither the file nor "not there", in words an
/// administrator can act on.
fn refused(status: reqwest::StatusCode) -> io::Error {
    match status.as_u16() {
        401 | 403 => other(format!(
            "the object store refused the request ({status}): check s3.access_key, s3.secret_key and the bucket's permissions"
        )),
        404 => other(format!(
            "the object store answered {status}: check that the bucket (s3.bucket) exists"
        )),
        _ => other(format!("the object store answered {status}")),
    }
}

impl S3Files {
    pub fn new(s: &S3Settings) -> Result<S3Files, String> {
        let endpoint = reqwest::Url::parse(s.endpoint.trim())
            .map_err(|e| format!("s3.endpoint \"{}\" is not a URL: {e}", s.endpoint))?;
        let style = if s.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let region = if s.region.trim().is_empty() {
            "us-east-1".to_owned()
        } else {
            s.region.trim().to_owned()
        };
        let bucket =
            Bucket::new(endpoint, style, s.bucket.trim().to_owned(), region).map_err(|e| {
                format!("s3.endpoint and s3.bucket do not make a bucket's address: {e}")
            })?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(S3Files {
            bucket,
            credentials: Credentials::new(s.access_key.clone(), s.secret_key.clone()),
            client,
        })
    }

    fn object(key: &str) -> String {
        format!("{}/{}/{key}", &key[..2], &key[2..4])
    }

    /// Stores `bytes` as the file `key` (a key is its content's hash, so
    /// writing it again changes nothing).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> io::Result<()> {
        let object = Self::object(key);
        let url = self
            .bucket
            .put_object(Some(&self.credentials), &object)
            .sign(SIGNED_FOR);
        let r = self
            .client
            .put(url)
            .body(bytes)
            .send()
            .await
            .map_err(http)?;
        if !r.status().is_success() {
            return Err(refused(r.status()));
        }
        Ok(())
    }

    /// The bytes of the file `key`.
    pub async fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        let object = Self::object(key);
        let url = self
            .bucket
            .get_object(Some(&self.credentials), &object)
            .sign(SIGNED_FOR);
        let r = self.client.get(url).send().await.map_err(http)?;
        match r.status() {
            s if s.is_success() => Ok(r.bytes().await.map_err(http)?.to_vec()),
            reqwest::StatusCode::NOT_FOUND => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the file is not in the object store",
            )),
            s => Err(refused(s)),
        }
    }

    /// Whether the store holds the file `key`.
    pub async fn has(&self, key: &str) -> io::Result<bool> {
        let object = Self::object(key);
        let url = self
            .bucket
            .head_object(Some(&self.credentials), &object)
            .sign(SIGNED_FOR);
        let r = self.client.head(url).send().await.map_err(http)?;
        match r.status() {
            s if s.is_success() => Ok(true),
            reqwest::StatusCode::NOT_FOUND => Ok(false),
            s => Err(refused(s)),
        }
    }

    /// Every file key in the bucket, sorted.
    pub async fn keys(&self) -> io::Result<Vec<String>> {
        Ok(self.objects().await?.into_iter().map(|o| o.key).collect())
    }

    /// Removes the file `key` (gone already is not an error).
    pub async fn delete(&self, key: &str) -> io::Result<()> {
        let object = Self::object(key);
        let url = self
            .bucket
            .delete_object(Some(&self.credentials), &object)
            .sign(SIGNED_FOR);
        let r = self.client.delete(url).send().await.map_err(http)?;
        match r.status() {
            s if s.is_success() => Ok(()),
            reqwest::StatusCode::NOT_FOUND => Ok(()),
            s => Err(refused(s)),
        }
    }

    /// Every file in the bucket, sorted by key, with its size and when it
    /// was last written.
    pub async fn objects(&self) -> io::Result<Vec<StoredFile>> {
        let mut out: Vec<StoredFile> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut list = self.bucket.list_objects_v2(Some(&self.credentials));
            list.with_max_keys(1000);
            if let Some(a) = &after {
                list.with_start_after(a.clone());
            }
            let url = list.sign(SIGNED_FOR);
            let r = self.client.get(url).send().await.map_err(http)?;
            if !r.status().is_success() {
                return Err(refused(r.status()));
            }
            let text = r.text().await.map_err(http)?;
            let (objects, truncated) = listed(&text);
            let last = objects.last().map(|o| o.name.clone());
            out.extend(objects.into_iter().filter_map(|o| {
                let key = o.name.rsplit('/').next()?;
                crate::files::is_key(key).then(|| StoredFile {
                    key: key.to_owned(),
                    size: o.size,
                    written: o
                        .last_modified
                        .parse::<jiff::Timestamp>()
                        .ok()
                        .map(std::time::SystemTime::from),
                })
            }));
            match (truncated, last) {
                (true, Some(last)) => after = Some(last),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out.dedup_by(|a, b| a.key == b.key);
        Ok(out)
    }
}

/// An object in a ListObjectsV2 answer.
struct Listed {
    name: String,
    size: u64,
    last_modified: String,
}

/// The objects in a ListObjectsV2 answer, and whether more follow.
/// Read by element name alone: stores differ in the XML namespace they
/// declare (s3rver's is not Amazon's), which a strict reader refuses.
/// File objects' names are `ab/cd/<hex>`, with nothing to unescape.
fn listed(xml: &str) -> (Vec<Listed>, bool) {
    fn element<'a>(within: &'a str, name: &str) -> Option<&'a str> {
        let open = format!("<{name}>");
        let from = &within[within.find(&open)? + open.len()..];
        Some(from[..from.find(&format!("</{name}>"))?].trim())
    }
    let mut objects = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<Contents>") {
        let from = &rest[start + "<Contents>".len()..];
        let Some(end) = from.find("</Contents>") else {
            break;
        };
        let contents = &from[..end];
        if let Some(name) = element(contents, "Key") {
            objects.push(Listed {
                name: name.to_owned(),
                size: element(contents, "Size")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0),
                last_modified: element(contents, "LastModified").unwrap_or("").to_owned(),
            });
        }
        rest = &from[end..];
    }
    (objects, xml.contains("<IsTruncated>true</IsTruncated>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_is_read_whatever_its_namespace() {
        let key = "ab".repeat(32);
        let xml = format!(
            "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://doc.s3.amazonaws.com/2006-03-01/\">\
             <IsTruncated>true</IsTruncated><Contents><Key>ab/ab/{key}</Key>\
             <LastModified>2026-12-07T16:05:09.000Z</LastModified><Size>3</Size></Contents>\
             <Contents><Key>notes.txt</Key></Contents></ListBucketResult>"
        );
        let (objects, more) = listed(&xml);
        let names: Vec<&str> = objects.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, [format!("ab/ab/{key}").as_str(), "notes.txt"]);
        assert_eq!(objects[0].size, 3);
        assert_eq!(objects[0].last_modified, "2026-12-07T16:05:09.000Z");
        assert!(objects[0].last_modified.parse::<jiff::Timestamp>().is_ok());
        assert!(more);
        let (none, more) =
            listed("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
        assert!(none.is_empty() && !more);
    }
}
