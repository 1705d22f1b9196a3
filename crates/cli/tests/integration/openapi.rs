//! The OpenAPI document describes what the server does: every documented
//! operation exists, responses carry the documented fields, and the
//! committed copy in docs/ is up to date.

use crate::harness::TestApp;
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_backends!(every_documented_operation_exists_and_answers_with_the_documented_fields);

fn properties(doc: &Value, schema: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {schema}"))
        .keys()
        .cloned()
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

async fn every_documented_operation_exists_and_answers_with_the_documented_fields(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let manager = t.user(office, Role::OfficeManager).await;
    let manager_api = t.api(&manager);
    let doc: Value = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let person = api.constituent("Open", "Api").await;
    let case = api.case(person, json!({})).await;
    api.post(
        &format!("/api/v1/cases/{}/notes", case["id"]),
        json!({"body": "hello"}),
    )
    .await;
    // Files to send with a multipart request, and a file kept on the case.
    let files = || {
        reqwest::multipart::Form::new().text("kind", "post").part(
            "files",
            reqwest::multipart::Part::bytes(b"scan".to_vec()).file_name("scan.pdf"),
        )
    };
    let upload = |path: String| {
        let (base, token) = (t.base.clone(), cw.token.clone());
        async move {
            let res = reqwest::Client::new()
                .post(format!("{base}{path}"))
                .bearer_auth(token)
                .multipart(files())
                .send()
                .await
                .unwrap();
            let status = res.status();
            let text = res.text().await.unwrap();
            crate::harness::Reply {
                status,
                body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            }
        }
    };
    let kept = upload(format!("/api/v1/cases/{}/documents", case["id"])).await;
    assert_eq!(kept.status, StatusCode::CREATED, "{:?}", kept.body);
    let record = kept.body["id"].as_i64().unwrap();
    let attachment = api
        .get(&format!("/api/v1/correspondence/{record}"))
        .await
        .body["attachments"][0]["id"]
        .as_i64()
        .unwrap();
    // A letter to print, and one signed by the representative to approve.
    t.template(
        &manager,
        "Signed",
        "From your representative",
        "Dear {{ constituent.first_name }},",
        true,
    )
    .await;
    let letter = |body: Value| {
        let api = &api;
        let path = format!("/api/v1/cases/{}/letters", case["id"]);
        async move {
            let r = api.post(&path, body).await;
            r.body["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("{:?}", r.body))
        }
    };
    let to_print = letter(json!({"body": "Dear Open,"})).await;
    let to_approve = letter(json!({"template": "Signed"})).await;
    let to_return = letter(json!({"template": "Signed"})).await;
    // An email on a sensitive case, written by a caseworker: held in the
    // outbox for approval.
    let sensitive = api
        .case(
            person,
            json!({"sensitivity": "sensitive", "assignee_id": cw.id}),
        )
        .await;
    let held = api
        .post(
            &format!("/api/v1/cases/{}/emails", sensitive["id"]),
            json!({"subject": "Your case", "body": "Dear {{ constituent.first_name }},"}),
        )
        .await;
    assert!(held.status.is_success(), "{:?}", held.body);
    let held = manager_api.get("/api/v1/approvals").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "email")
        .and_then(|w| w["id"].as_i64())
        .expect("an email held for approval");
    let mail = |n: u32| {
        casework_app::intake::RawMessage {
        source: format!("doc{n}"),
        bytes: format!("From: someone{n}@example.org\r\nSubject: Doc {n}\r\nMessage-ID: <doc{n}@x>\r\n\r\nHello\r\n").into_bytes(),
    }
    };
    casework_app::intake::ingest(&t.app, office, vec![mail(1), mail(2)])
        .await
        .unwrap();
    // Two campaigns: five copies of one letter, five of another.
    let letters = [
        "I am writing to ask you to support the new cycle lanes on Mill Road and to vote for them when they come \
         before the council next month. Safer routes to school matter to many families in this ward.",
        "Please stop the planned cuts to library opening hours. The library is where older residents meet, \
         where children do their homework and where people without a computer apply for jobs and benefits.",
    ];
    let copies: Vec<_> = (0..10)
        .map(|n| {
            let text = letters[n / 5];
            casework_app::intake::RawMessage {
                source: format!("copy{n}"),
                bytes: format!(
                    "From: writer{n}@example.org\r\nSubject: Please support\r\nMessage-ID: <copy{n}@x>\r\n\r\nDear Councillor,\r\n\r\n{text}\r\n"
                )
                .into_bytes(),
            }
        })
        .collect();
    casework_app::intake::ingest(&t.app, office, copies)
        .await
        .unwrap();
    let list = api.get("/api/v1/campaigns").await.body;
    let (campaign, other_campaign) = (
        list["items"][0]["id"].as_i64().unwrap(),
        list["items"][1]["id"].as_i64().unwrap(),
    );
    let member = api
        .get(&format!("/api/v1/campaigns/{campaign}/messages"))
        .await
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let intake = api.get("/api/v1/intake").await.body;
    let (to_file, to_drop) = (
        intake["items"][0]["id"].as_i64().unwrap(),
        intake["items"][1]["id"].as_i64().unwrap(),
    );
    // The directory (kept by the manager), and enquiries on a case of their
    // own (the case above is transferred along the way): one to answer, one
    // to chase. A task of the caseworker's.
    let agency = manager_api
        .post("/api/v1/agencies", json!({"name": "Doc agency"}))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let contact = manager_api
        .post(
            &format!("/api/v1/agencies/{agency}/contacts"),
            json!({"name": "Doc contact"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let follow = api.case(person, json!({})).await["id"].as_i64().unwrap();
    let enquiry = |asked: &'static str| {
        let api = &api;
        async move {
            let r = api
                .post(
                    &format!("/api/v1/cases/{follow}/enquiries"),
                    json!({"agency_id": agency, "send": "phone", "asked": asked}),
                )
                .await;
            r.body["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("{:?}", r.body))
        }
    };
    let (to_answer, to_chase) = (enquiry("Doc answer").await, enquiry("Doc chase").await);
    let consent = api
        .post(
            &format!("/api/v1/cases/{}/consents", case["id"]),
            json!({"all_agencies": true, "method": "email"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let task = api
        .post("/api/v1/tasks", json!({"title": "Doc task"}))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let signed_template = manager_api.get("/api/v1/templates").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Signed")
        .and_then(|t| t["id"].as_i64())
        .expect("the Signed template");
    // A caseworker's own review, recorded.
    let review = api
        .post("/api/v1/reviews", json!({"decisions": "Doc review"}))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let version = |path: String| {
        let manager_api = &manager_api;
        async move { manager_api.get(&path).await.body["version"].clone() }
    };

    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push(format!("{} {path}", method.to_uppercase()));
            let id = if path.contains("/campaigns/") {
                campaign
            } else if path.starts_with("/api/v1/agencies/") {
                agency
            } else if path.contains("/enquiries") {
                // A case's enquiries, or one of them.
                if path.contains("/cases/") {
                    follow
                } else if path.ends_with("/chase") {
                    to_chase
                } else {
                    to_answer
                }
            } else if path.starts_with("/api/v1/tasks/") {
                task
            } else if path.starts_with("/api/v1/reviews/") {
                review
            } else if path.starts_with("/api/v1/templates/") {
                signed_template
            } else if path.contains("/cases/") {
                case["id"].as_i64().unwrap()
            } else if path.contains("no-action") {
                to_drop
            } else if path.contains("/intake/") || path.contains("/correspondence/") {
                to_file
            } else {
                person
            };
            let concrete = path
                .replace("{id}", &id.to_string())
                .replace("{contact_id}", &contact.to_string())
                .replace("{consent_id}", &consent.to_string());
            let body = match (method.as_str(), path.as_str()) {
                ("post", "/api/v1/constituents") => Some(json!({"last_name": "Doc"})),
                ("post", "/api/v1/me/views") => Some(json!({"name": "Doc", "query": "view=mine"})),
                ("post", "/api/v1/cases") => {
                    Some(json!({"constituent_id": person, "title": "Doc"}))
                }
                ("post", "/api/v1/intake/{id}/file") => Some(json!({"case_id": case["id"]})),
                ("post", "/api/v1/intake/{id}/no-action") => None,
                ("post", "/api/v1/cases/{id}/letters") => {
                    Some(json!({"body": "Dear {{ constituent.first_name }},"}))
                }
                ("post", "/api/v1/cases/{id}/emails") => {
                    Some(json!({"subject": "Doc", "body": "Doc", "to": ["doc@example.org"]}))
                }
                ("post", "/api/v1/campaigns/{id}/rename") => {
                    let v = api.get(&format!("/api/v1/campaigns/{campaign}")).await.body["version"]
                        .clone();
                    Some(json!({"name": "Doc", "version": v}))
                }
                ("post", "/api/v1/campaigns/{id}/split") => Some(json!({"message_id": member})),
                ("post", "/api/v1/campaigns/{id}/no-action") => Some(json!({"no_action": false})),
                ("post", "/api/v1/campaigns/{id}/merge") => None,
                ("put", "/api/v1/campaigns/{id}/reply") => {
                    let v = api.get(&format!("/api/v1/campaigns/{campaign}")).await.body["version"]
                        .clone();
                    Some(
                        json!({"subject": "Thanks", "body": "Thank you.", "submit": true, "version": v}),
                    )
                }
                ("post", "/api/v1/campaigns/{id}/reply/approve") => {
                    // Approval is a manager's: done below with the manager's token.
                    None
                }
                ("post", "/api/v1/campaigns/{id}/reply/send") => None,
                ("post", "/api/v1/letters/print") => Some(json!({"ids": [to_print]})),
                ("post", "/api/v1/cases/{id}/transfer") => Some(
                    json!({"to": "Doc office", "send": "none", "destination": "Another office"}),
                ),
                ("post", "/api/v1/agencies") => Some(json!({"name": "Doc agency 2"})),
                ("patch", "/api/v1/agencies/{id}") => Some(
                    json!({"notes": "Doc", "version": version(format!("/api/v1/agencies/{agency}")).await}),
                ),
                ("post", "/api/v1/agencies/{id}/contacts") => {
                    Some(json!({"name": "Doc contact 2"}))
                }
                ("post", "/api/v1/agencies/{id}/contacts/{contact_id}/retire") => None,
                ("post", "/api/v1/cases/{id}/enquiries") => {
                    Some(json!({"agency_id": agency, "send": "phone", "asked": "Doc"}))
                }
                ("post", "/api/v1/enquiries/{id}/answer") => Some(
                    json!({"note": "Doc", "version": version(format!("/api/v1/enquiries/{to_answer}")).await}),
                ),
                ("post", "/api/v1/enquiries/{id}/chase") => Some(
                    json!({"send": "phone", "version": version(format!("/api/v1/enquiries/{to_chase}")).await}),
                ),
                ("post", "/api/v1/tasks") => Some(json!({"title": "Doc"})),
                ("post", "/api/v1/cases/{id}/consents") => {
                    Some(json!({"all_agencies": true, "method": "email"}))
                }
                ("post", "/api/v1/cases/{id}/consents/{consent_id}/withdraw") => None,
                ("post", "/api/v1/cases/{id}/consent-form") => None,
                ("put", "/api/v1/me/digest") => Some(json!({"enabled": true})),
                ("put", "/api/v1/me/notifications") => Some(json!({"by_email": true})),
                ("post", "/api/v1/templates") => Some(
                    json!({"name": "Documented", "body": "Dear {{ constituent.first_name }},"}),
                ),
                ("put", "/api/v1/templates/{id}") => Some(
                    json!({"name": "Signed", "subject": "From your representative", "body": "Dear {{ constituent.first_name }},", "signed_by_representative": true}),
                ),
                ("post", "/api/v1/notifications/read") => Some(json!({})),
                ("patch", "/api/v1/tasks/{id}") => Some(
                    json!({"action": "complete", "version": version(format!("/api/v1/tasks/{task}")).await}),
                ),
                ("post", "/api/v1/reviews") => Some(json!({"decisions": "Doc"})),
                ("post", "/api/v1/cases/{id}/flags") => Some(json!({"summary": "Doc"})),
                ("post", _) => Some(json!({"body": "Doc"})),
                ("patch", _) => Some(json!({})),
                _ => None,
            };
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            // Keeping the framework is a manager's; each call gets values of its own.
            let new_value = |name: String| {
                let manager_api = &manager_api;
                async move {
                    manager_api
                        .post("/api/v1/tags", json!({"dimension": "free", "name": name}))
                        .await
                        .body["id"]
                        .as_i64()
                        .unwrap()
                }
            };
            let r = match path.as_str() {
                "/api/v1/tags" if method == "post" => {
                    manager_api
                        .send(
                            m,
                            path,
                            Some(json!({"dimension": "free", "name": "Doc new"})),
                            &[],
                        )
                        .await
                }
                "/api/v1/tags/usage" => manager_api.send(m, path, None, &[]).await,
                "/api/v1/tags/{id}" => {
                    let id = new_value(format!("Doc rename {method}")).await;
                    manager_api
                        .send(
                            m,
                            &format!("/api/v1/tags/{id}"),
                            Some(json!({"name": "Doc renamed"})),
                            &[],
                        )
                        .await
                }
                "/api/v1/tags/{id}/merge" => {
                    let a = new_value(format!("Doc from {method}")).await;
                    let b = new_value(format!("Doc into {method}")).await;
                    if method == "get" {
                        manager_api
                            .send(m, &format!("/api/v1/tags/{a}/merge?into={b}"), None, &[])
                            .await
                    } else {
                        manager_api
                            .send(
                                m,
                                &format!("/api/v1/tags/{a}/merge"),
                                Some(json!({"into": b})),
                                &[],
                            )
                            .await
                    }
                }
                "/api/v1/tag-merges/{id}/undo" => {
                    let a = new_value("Doc undo from".into()).await;
                    let b = new_value("Doc undo into".into()).await;
                    let merged = manager_api
                        .post(&format!("/api/v1/tags/{a}/merge"), json!({"into": b}))
                        .await;
                    let merge = merged.body["merge_id"].as_i64().unwrap();
                    manager_api
                        .send(m, &format!("/api/v1/tag-merges/{merge}/undo"), None, &[])
                        .await
                }
                "/api/v1/tags/{id}/apply" => {
                    let tag = new_value("Doc applied".into()).await;
                    manager_api
                        .send(m, &format!("/api/v1/tags/{tag}/apply"), Some(json!({"cases": [case["id"]]})), &[])
                        .await
                }
                "/api/v1/tags/mapping" => {
                    new_value("Doc mapped".into()).await;
                    manager_api
                        .send(m, path, Some(json!({"csv": "old,dimension,new\nDoc mapped,Category,Tax\n"})), &[])
                        .await
                }
                "/api/v1/tags/framework" if method == "post" => {
                    manager_api
                        .send(m, path, Some(json!({"csv": "dimension,value,parent,required\nCategory,Doc imported,,no\n"})), &[])
                        .await
                }
                "/api/v1/tag-dimensions" => {
                    manager_api
                        .send(m, path, Some(json!({"name": "Policy area"})), &[])
                        .await
                }
                "/api/v1/tag-dimensions/{key}" => {
                    manager_api
                        .send(
                            m,
                            "/api/v1/tag-dimensions/urgency",
                            Some(json!({"required": false})),
                            &[],
                        )
                        .await
                }
                "/api/v1/cases/{id}/documents" => upload(concrete.clone()).await,
                // Words the case and its mail carry, so that each kind answers.
                "/api/v1/search" => api.send(m, "/api/v1/search?q=passport", None, &[]).await,
                "/api/v1/correspondence/{id}/attachments/{attachment}" => {
                    let url = format!(
                        "{}/api/v1/correspondence/{record}/attachments/{attachment}",
                        t.base
                    );
                    let res = reqwest::Client::new()
                        .get(url)
                        .bearer_auth(&cw.token)
                        .send()
                        .await
                        .unwrap();
                    let status = res.status();
                    assert_eq!(res.bytes().await.unwrap().as_ref(), b"scan");
                    crate::harness::Reply {
                        status,
                        body: Value::Null,
                    }
                }
                "/api/v1/campaigns/{id}/merge" => {
                    api.send(
                        m,
                        &format!("/api/v1/campaigns/{other_campaign}/merge"),
                        Some(json!({"into": campaign})),
                        &[],
                    )
                    .await
                }
                "/api/v1/campaigns/{id}/reply/approve" | "/api/v1/campaigns/{id}/reply/send" => {
                    // The reply was saved above (PUT sorts before POST in the
                    // document? not necessarily): save it here if needed, as
                    // a manager who approves in the same step.
                    let v = manager_api
                        .get(&format!("/api/v1/campaigns/{campaign}"))
                        .await
                        .body["version"]
                        .clone();
                    if path.ends_with("approve") {
                        manager_api
                            .send(reqwest::Method::PUT, &format!("/api/v1/campaigns/{campaign}/reply"),
                                Some(json!({"subject": "Thanks", "body": "Thank you.", "version": v})), &[])
                            .await;
                        let v = manager_api
                            .get(&format!("/api/v1/campaigns/{campaign}"))
                            .await
                            .body["version"]
                            .clone();
                        manager_api
                            .send(m, &concrete, Some(json!({"version": v})), &[])
                            .await
                    } else {
                        manager_api
                            .send(reqwest::Method::PUT, &format!("/api/v1/campaigns/{campaign}/reply"),
                                Some(json!({"subject": "Thanks", "body": "Thank you.", "submit": true, "version": v})), &[])
                            .await;
                        manager_api.send(m, &concrete, body, &[]).await
                    }
                }
                // The directory is kept by the manager.
                p if p.starts_with("/api/v1/agencies") && method != "get" => {
                    manager_api.send(m, &concrete, body, &[]).await
                }
                "/api/v1/approvals" => manager_api.send(m, &concrete, None, &[]).await,
                // Templates are kept by the manager.
                p if p.starts_with("/api/v1/templates") && method != "get" => {
                    manager_api.send(m, &concrete, body, &[]).await
                }
                "/api/v1/outbox/{id}/approve" => {
                    let path = format!("/api/v1/outbox/{held}/approve");
                    manager_api.send(m, &path, None, &[]).await
                }
                "/api/v1/me/views/{id}" => {
                    let made = api
                        .post("/api/v1/me/views", json!({"name": "To delete", "query": ""}))
                        .await;
                    let path = format!("/api/v1/me/views/{}", made.body["id"]);
                    api.send(m, &path, None, &[]).await
                }
                "/api/v1/bulk/{list}" => {
                    let body = json!({"action": "status", "status": "open", "ids": [case["id"]]});
                    manager_api.send(m, "/api/v1/bulk/cases", Some(body), &[]).await
                }
                "/api/v1/bulk/{list}/export" => {
                    let body = json!({"ids": [case["id"]]});
                    manager_api.send(m, "/api/v1/bulk/cases/export", Some(body), &[]).await
                }
                "/api/v1/correspondence/{id}/return" => {
                    let path = format!("/api/v1/correspondence/{to_return}/return");
                    manager_api
                        .send(m, &path, Some(json!({"comment": "Add the date."})), &[])
                        .await
                }
                "/api/v1/letters/{id}/approve" => {
                    let path = format!("/api/v1/letters/{to_approve}/approve");
                    manager_api.send(m, &path, None, &[]).await
                }
                _ => api.send(m, &concrete, body, &[]).await,
            };
            assert!(
                r.status.is_success(),
                "{method} {path} answered {} {:?}",
                r.status,
                r.body
            );
            let documented: Vec<&String> = item[method]["responses"]
                .as_object()
                .unwrap()
                .keys()
                .collect();
            assert!(
                documented.contains(&&r.status.as_u16().to_string()),
                "{method} {path}: {} is not documented",
                r.status
            );
        }
    }
    let expected: BTreeSet<&str> = [
        "GET /api/v1/me",
        "GET /api/v1/reviews",
        "POST /api/v1/reviews",
        "GET /api/v1/reviews/figures",
        "GET /api/v1/reviews/{id}",
        "GET /api/v1/reviews/{id}/briefing",
        "GET /api/v1/reviews/{id}/briefing.pdf",
        "POST /api/v1/cases/{id}/flags",
        "GET /api/v1/constituents",
        "POST /api/v1/constituents",
        "GET /api/v1/constituents/{id}",
        "PATCH /api/v1/constituents/{id}",
        "GET /api/v1/constituents/{id}/timeline",
        "GET /api/v1/cases",
        "POST /api/v1/cases",
        "GET /api/v1/cases/{id}",
        "PATCH /api/v1/cases/{id}",
        "GET /api/v1/cases/{id}/timeline",
        "POST /api/v1/cases/{id}/notes",
        "GET /api/v1/cases/{id}/correspondence",
        "POST /api/v1/cases/{id}/emails",
        "POST /api/v1/cases/{id}/letters",
        "GET /api/v1/intake",
        "POST /api/v1/intake/{id}/file",
        "POST /api/v1/intake/{id}/no-action",
        "GET /api/v1/correspondence/{id}",
        "GET /api/v1/correspondence/{id}/raw",
        "POST /api/v1/cases/{id}/documents",
        "GET /api/v1/correspondence/{id}/attachments/{attachment}",
        "GET /api/v1/letters",
        "POST /api/v1/letters/print",
        "POST /api/v1/letters/{id}/approve",
        "GET /api/v1/campaigns",
        "GET /api/v1/campaigns/{id}",
        "GET /api/v1/campaigns/{id}/messages",
        "POST /api/v1/campaigns/{id}/rename",
        "POST /api/v1/campaigns/{id}/merge",
        "POST /api/v1/campaigns/{id}/split",
        "POST /api/v1/campaigns/{id}/no-action",
        "PUT /api/v1/campaigns/{id}/reply",
        "GET /api/v1/cases/{id}/tags",
        "PATCH /api/v1/cases/{id}/tags",
        "GET /api/v1/correspondence/{id}/tags",
        "PATCH /api/v1/correspondence/{id}/tags",
        "GET /api/v1/tags",
        "POST /api/v1/tags",
        "GET /api/v1/tags/usage",
        "PATCH /api/v1/tags/{id}",
        "GET /api/v1/tags/{id}/merge",
        "POST /api/v1/tags/{id}/merge",
        "POST /api/v1/tag-merges/{id}/undo",
        "POST /api/v1/tag-dimensions",
        "PATCH /api/v1/tag-dimensions/{key}",
        "GET /api/v1/trends",
        "POST /api/v1/tags/{id}/apply",
        "POST /api/v1/tags/mapping",
        "GET /api/v1/tags/framework",
        "POST /api/v1/tags/framework",
        "POST /api/v1/campaigns/{id}/reply/approve",
        "POST /api/v1/campaigns/{id}/reply/send",
        "POST /api/v1/cases/{id}/transfer",
        "GET /api/v1/cases/{id}/transfers",
        "GET /api/v1/cases/{id}/handover",
        "GET /api/v1/cases/{id}/handover.pdf",
        "GET /api/v1/correspondence",
        "GET /api/v1/agencies",
        "POST /api/v1/agencies",
        "GET /api/v1/agencies/{id}",
        "PATCH /api/v1/agencies/{id}",
        "POST /api/v1/agencies/{id}/contacts",
        "POST /api/v1/agencies/{id}/contacts/{contact_id}/retire",
        "GET /api/v1/cases/{id}/enquiries",
        "POST /api/v1/cases/{id}/enquiries",
        "GET /api/v1/enquiries/{id}",
        "POST /api/v1/enquiries/{id}/answer",
        "POST /api/v1/enquiries/{id}/chase",
        "GET /api/v1/tasks",
        "POST /api/v1/tasks",
        "GET /api/v1/tasks/{id}",
        "PATCH /api/v1/tasks/{id}",
        "GET /api/v1/cases/{id}/consents",
        "POST /api/v1/cases/{id}/consents",
        "POST /api/v1/cases/{id}/consents/{consent_id}/withdraw",
        "POST /api/v1/cases/{id}/consent-form",
        "GET /api/v1/enquiries",
        "GET /api/v1/search",
        "GET /api/v1/me/calendar-feed",
        "POST /api/v1/me/calendar-feed",
        "DELETE /api/v1/me/calendar-feed",
        "GET /api/v1/me/digest",
        "PUT /api/v1/me/digest",
        "GET /api/v1/constituents/matches",
        "GET /api/v1/approvals",
        "POST /api/v1/outbox/{id}/approve",
        "POST /api/v1/correspondence/{id}/return",
        "POST /api/v1/bulk/{list}",
        "GET /api/v1/me/views",
        "POST /api/v1/me/views",
        "DELETE /api/v1/me/views/{id}",
        "POST /api/v1/bulk/{list}/export",
        "GET /api/v1/notifications",
        "POST /api/v1/notifications/read",
        "GET /api/v1/me/notifications",
        "PUT /api/v1/me/notifications",
        "GET /api/v1/templates",
        "POST /api/v1/templates",
        "GET /api/v1/templates/{id}",
        "PUT /api/v1/templates/{id}",
    ]
    .into_iter()
    .collect();
    assert_eq!(
        operations
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        expected
    );

    let c = api
        .get(&format!("/api/v1/constituents/{person}"))
        .await
        .body;
    assert_eq!(keys(&c), properties(&doc, "ConstituentOut"));
    let k = api.get(&format!("/api/v1/cases/{}", case["id"])).await.body;
    assert_eq!(keys(&k), properties(&doc, "CaseOut"));
    let timeline = api
        .get(&format!("/api/v1/cases/{}/timeline", case["id"]))
        .await
        .body;
    for entry in timeline["items"].as_array().unwrap() {
        assert_eq!(keys(entry), properties(&doc, "TimelineOut"));
    }
    let err = api.get("/api/v1/cases/0").await;
    assert_eq!(err.status, StatusCode::NOT_FOUND);
    assert!(keys(&err.body["error"]).is_subset(&properties(&doc, "ErrorDetail")));
    let c = api.get(&format!("/api/v1/campaigns/{campaign}")).await.body;
    assert_eq!(keys(&c), properties(&doc, "CampaignOut"));
    let msgs = api
        .get(&format!("/api/v1/campaigns/{campaign}/messages"))
        .await
        .body;
    for m in msgs["items"].as_array().unwrap() {
        assert_eq!(keys(m), properties(&doc, "CampaignMessageOut"));
    }
    // Third parties: an agency, its contacts, enquiries and tasks.
    let agencies = api.get("/api/v1/agencies").await.body;
    for a in agencies["items"].as_array().unwrap() {
        assert_eq!(keys(a), properties(&doc, "AgencyOut"));
    }
    let one = api.get(&format!("/api/v1/agencies/{agency}")).await.body;
    let mut with_contacts = properties(&doc, "AgencyOut");
    with_contacts.insert("contacts".into());
    assert_eq!(keys(&one), with_contacts);
    for c in one["contacts"].as_array().unwrap() {
        assert_eq!(keys(c), properties(&doc, "AgencyContactOut"));
    }
    let enquiries = api
        .get(&format!("/api/v1/cases/{follow}/enquiries"))
        .await
        .body;
    assert!(!enquiries["items"].as_array().unwrap().is_empty());
    for e in enquiries["items"].as_array().unwrap() {
        assert_eq!(keys(e), properties(&doc, "EnquiryOut"));
    }
    let t = api.get(&format!("/api/v1/tasks/{task}")).await.body;
    assert_eq!(keys(&t), properties(&doc, "TaskOut"));
    let input: BTreeSet<String> = properties(&doc, "ConstituentInput");
    assert!(input.contains("first_name") && input.contains("postcode"));
    // Every operation states the answer without a valid token; a letter's
    // original is a PDF, an email's is message/rfc822; inputs say what is
    // required (scripts/schemathesis checks the rest against the server).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} does not document 401"
            );
        }
    }
    let raw =
        &doc["paths"]["/api/v1/correspondence/{id}/raw"]["get"]["responses"]["200"]["content"];
    assert!(raw["message/rfc822"].is_object() && raw["application/pdf"].is_object());
    assert_eq!(
        doc["components"]["schemas"]["CaseInput"]["required"],
        json!(["constituent_id", "title"])
    );
}

/// The committed docs/openapi.json must match what the server serves, so an
/// API change is always a visible change. Regenerate with
/// `cargo run -p casework -- openapi > docs/openapi.json`.
#[test]
fn the_committed_openapi_document_is_current() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/openapi.json"
    ))
    .expect("docs/openapi.json");
    let served = casework_web::openapi_json();
    assert!(
        committed.trim() == served.trim(),
        "docs/openapi.json is out of date: run `cargo run -p casework -- openapi > docs/openapi.json`"
    );
}
