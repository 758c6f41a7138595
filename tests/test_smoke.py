def test_home_leads_a_signed_out_visitor_to_sign_in(client):
    answer = client.get("/")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/sign-in")
