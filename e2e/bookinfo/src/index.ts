// Bookinfo replica services (same ports, paths, JSON shapes and error texts as upstream's samples/bookinfo).
export { startProductpage, product } from './productpage.ts';
export { startDetails, bookDetails } from './details.ts';
export { startReviews } from './reviews.ts';
export { startRatings } from './ratings.ts';
export { startHttpbin } from './httpbin.ts';
export { runLoad, type LoadResult } from './load-client.ts';
