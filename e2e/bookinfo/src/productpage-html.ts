// The product page's HTML: the same visible parts as upstream (title, details table, reviews with stars or errors).

export interface ProductView {
  product: { title: string; descriptionHtml: string };
  user: string;
  details: Record<string, unknown>;
  detailsOk: boolean;
  reviews: Record<string, unknown>;
  reviewsOk: boolean;
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const fullStar = '<svg class="star full" viewBox="0 0 24 24" width="16" height="16"><path d="M12 2l3 7h7l-5.5 4.5 2 7.5-6.5-4.5-6.5 4.5 2-7.5-5.5-4.5h7z"/></svg>';
const emptyStar = '<svg class="star empty" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor"><path d="M12 2l3 7h7l-5.5 4.5 2 7.5-6.5-4.5-6.5 4.5 2-7.5-5.5-4.5h7z"/></svg>';

function renderDetails(v: ProductView): string {
  if (!v.detailsOk) {
    return `<h4 class="text-red-500">Error fetching product details!</h4><p>${esc(v.details['error'] ?? '')}</p>`;
  }
  const d = v.details;
  return `<h4>Book Details</h4>
<dl>
<dt>Type:</dt><dd>${esc(d['type'])}</dd>
<dt>Pages:</dt><dd>${esc(d['pages'])}</dd>
<dt>Publisher:</dt><dd>${esc(d['publisher'])}</dd>
<dt>Language:</dt><dd>${esc(d['language'])}</dd>
<dt>ISBN-10:</dt><dd>${esc(d['ISBN-10'])}</dd>
<dt>ISBN-13:</dt><dd>${esc(d['ISBN-13'])}</dd>
</dl>`;
}

interface Review {
  reviewer?: string;
  text?: string;
  rating?: { stars?: number; color?: string; error?: string };
}

function renderReviews(v: ProductView): string {
  if (!v.reviewsOk) {
    return `<h4 class="text-red-500">Error fetching product reviews!</h4><p>${esc(v.reviews['error'] ?? '')}</p>`;
  }
  const list = Array.isArray(v.reviews['reviews']) ? (v.reviews['reviews'] as Review[]) : [];
  const items = list.map((r) => {
    let rating = '';
    if (r.rating?.error) rating = `<p class="text-red-500">${esc(r.rating.error)}</p>`;
    else if (r.rating && typeof r.rating.stars === 'number') {
      const stars = Math.max(0, Math.min(5, r.rating.stars));
      rating = `<span class="text-${esc(r.rating.color ?? 'black')}-500">${fullStar.repeat(stars)}${emptyStar.repeat(5 - stars)}</span>`;
    }
    return `<blockquote><p>${esc(r.text ?? '')}</p><small>${esc(r.reviewer ?? '')}</small>${rating}</blockquote>`;
  });
  return `<h4>Book Reviews</h4>\n${items.join('\n')}\n<p>Reviews served by: <u>${esc(v.reviews['podname'] ?? '')}</u></p>`;
}

export function renderPage(v: ProductView): string {
  const userBar = v.user
    ? `<p>Signed in as: <b>${esc(v.user)}</b> <a href="/logout">Sign out</a></p>`
    : `<form method="post" action="/login"><input name="username" placeholder="User Name"><input type="password" name="passwd"><button type="submit">Sign in</button></form>`;
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Simple Bookstore App</title></head>
<body>
<nav><a href="#">BookInfo Sample</a>${userBar}</nav>
<h1>${esc(v.product.title)}</h1>
<p>Summary: ${v.product.descriptionHtml}</p>
<div id="details">${renderDetails(v)}</div>
<div id="reviews">${renderReviews(v)}</div>
</body>
</html>
`;
}
